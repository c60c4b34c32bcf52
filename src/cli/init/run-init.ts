/**
 * CLI (`moec init [name] [--from preset]`): write a commented spec to edit — a new user's
 * starting point. The file is `<name>.moe` (or -o; `-o -` prints it), never overwritten unless
 * --force, and written atomically. The result is checked before it is written, so a preset
 * that stopped validating is a bug caught here, not a broken starting point.
 */
import { existsSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InitOptions } from '../commands/init.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { writeDiagnostics } from '../render/pretty.js';
import { EXIT_ERRORS, EXIT_OK, exitCodeFor } from '../exit-codes.js';
import { STDIN } from '../options.js';
import { checkFiles } from '../check/check-files.js';
import { decodeSpecBytes } from '../../spec/read-text.js';
import { annotateSpec } from './annotate-spec.js';
import { findPreset, presetDir } from './presets.js';

function writeAtomically(file: string, text: string, force: boolean): Diagnostic | undefined {
  if (!force && existsSync(file)) return createDiagnostic('MOE9012', { args: { path: file } });
  const tmp = `${file}.${process.pid}.moec-init.tmp`;
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, file);
    return undefined;
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // never created
    }
    return createDiagnostic('MOE9004', { args: { path: file, reason: (err as Error).message } });
  }
}

/** The new spec must check clean (warnings aside) as its own file before it is handed over. */
function selfCheck(text: string, name: string): Diagnostic[] {
  const sources = new Map<string, string>();
  const read = decodeSpecBytes(Buffer.from(text), name, sources);
  const report = checkFiles([name], { texts: new Map([[name, read]]), memory: true }, sources);
  return report.diagnostics.filter((d) => d.severity === 'error');
}

export async function runInit(name: string, options: InitOptions): Promise<number> {
  const fail = (d: Diagnostic) => {
    writeDiagnostics(process.stderr, [d], new Map());
    return exitCodeFor([d]);
  };
  const preset = findPreset(options.from)!; // commander's choices() admits known names only
  const output = options.output ?? `${name}.moe`;
  const presetFile = join(presetDir(), `${preset.file}.moe`);
  let source: string;
  try {
    source = readFileSync(presetFile, 'utf8');
  } catch (err) {
    return fail(createDiagnostic('MOE9003', { args: { path: presetFile, reason: (err as NodeJS.ErrnoException).code ?? String(err) } }));
  }
  const made = annotateSpec({ source, presetFile: `${preset.file}.moe`, name, outputName: output === STDIN ? `${name}.moe` : output });
  if (made.text === undefined) return fail(createDiagnostic('MOE9005', { args: { reason: made.problem! } }));
  const errors = selfCheck(made.text, output === STDIN ? `${name}.moe` : output);
  if (hasErrors(errors)) return fail(createDiagnostic('MOE9005', { args: { reason: `the ${preset.file} preset does not check: ${errors[0].code} ${errors[0].message}` } }));
  if (output === STDIN) {
    process.stdout.write(made.text);
    return EXIT_OK;
  }
  const failed = writeAtomically(output, made.text, options.force === true);
  if (failed) {
    writeDiagnostics(process.stderr, [failed], new Map());
    return EXIT_ERRORS;
  }
  process.stderr.write(`wrote ${output} (from the ${preset.file} preset)\n  next: moec check ${output}  ·  moec explain ${output}\n`);
  return EXIT_OK;
}
