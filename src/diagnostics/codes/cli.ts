/**
 * Diagnostic codes MOE9xxx (CLI and I/O). Codes are stable: never renumber or reuse one;
 * retire a code by leaving it here with `retired: why`. Each is documented in docs/diagnostics.md.
 */
import { defineCodes } from './entry.js';

export const cliCodes = defineCodes({
  MOE9001: {
    severity: 'error',
    title: 'input not found',
    message: 'no such file or directory: `{path}`',
    hint: 'check the path; directories are searched for *.moe, *.moe.json and *.moe.yaml files',
  },
  MOE9002: {
    severity: 'error',
    title: 'no spec files matched',
    message: 'no spec files matched `{pattern}`',
  },
  MOE9003: {
    severity: 'error',
    title: 'cannot read file',
    message: 'cannot read `{path}`: {reason}',
  },
  MOE9004: {
    severity: 'error',
    title: 'cannot write output',
    message: 'cannot write `{path}`: {reason}',
    hint: 'nothing was written; check that the directory exists and is writable',
  },
  MOE9005: {
    severity: 'error',
    title: 'internal compiler error',
    message: 'internal error in moec: {reason}',
    hint: 'this is a bug in moec, not in your spec; please report it with the spec that triggers it',
  },
  MOE9010: {
    severity: 'error',
    title: 'a spec where a model is expected',
    message: '`{path}` is a spec, not an ONNX model',
    hint: 'compile it first: `moec compile {path} --target onnx -o {model}`, then `moec run {model}`',
  },
  MOE9011: {
    severity: 'error',
    title: 'bad stdin usage',
    message: 'cannot read the input: {reason}',
    hint: '`moec check -` and `moec fmt -` read one spec from stdin; `--stdin-filepath <path>` names it (diagnostics, relative imports)',
  },
  MOE9012: {
    severity: 'error',
    title: 'output exists',
    message: '`{path}` already exists',
    hint: 'choose another name with -o, or pass --force to overwrite it',
  },
});
