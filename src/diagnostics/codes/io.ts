/**
 * Diagnostic codes MOE91xx (hostile input and faults: special files, output safety, locks).
 * Codes are stable: never renumber or reuse one; retire a code by leaving it here with
 * `retired: why`. Each is documented in docs/diagnostics.md; the limits are in docs/security.md.
 */
import { defineCodes } from './entry.js';

export const ioCodes = defineCodes({
  MOE9100: {
    severity: 'error',
    title: 'not a regular file',
    message: '`{path}` is {kind}, not a regular file',
    hint: 'moec reads regular files only (a FIFO or device could block or never end); copy the content into a file',
  },
  MOE9101: {
    severity: 'error',
    title: 'input file too large',
    message: '`{path}` is {size} bytes; {what} is limited to {limit} bytes',
    hint: 'check that the path names the right file (docs/security.md lists the limits)',
  },
  MOE9102: {
    severity: 'error',
    title: 'output would overwrite an input',
    message: 'the output `{output}` is the input `{input}`; writing it would destroy the input',
    hint: 'choose another output path',
  },
  MOE9103: {
    severity: 'error',
    title: 'directory in use by another moec',
    message: '`{path}` is in use by another moec process (pid {pid} on {host}, since {since})',
    hint: 'wait for that process to finish; if it is gone (another host, or its pid was reused), delete `{lock}`',
  },
  MOE9104: {
    severity: 'info',
    title: 'stale lock removed',
    message: 'removed the lock of a moec process that is gone (pid {pid} on {host}, since {since})',
  },
  MOE9105: {
    severity: 'error',
    title: 'cannot lock directory',
    message: 'cannot lock `{path}`: {reason}',
    hint: 'check that the directory is writable',
  },
  MOE9106: {
    severity: 'error',
    title: 'output directory holds other files',
    message: 'the output directory `{path}` exists and holds files that are not {what} (first: `{file}`); it would be replaced whole',
    hint: 'pass a new or empty directory, or one a previous run of the same command wrote',
  },
});
