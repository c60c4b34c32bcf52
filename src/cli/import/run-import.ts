/**
 * CLI (`moec import <config | dir> [-o spec.moe]`): the imported spec (src/interop/hf/
 * import-spec.ts), printed or written atomically; diagnostics on stderr. Exit 0 written, 1 the
 * config cannot be imported (nothing written), 2 the input does not exist.
 */
import { existsSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { ImportOptions } from '../commands/import.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { importSpec } from '../../interop/hf/import-spec.js';
import { writeDiagnostics } from '../render/pretty.js';
import { EXIT_ERRORS, EXIT_OK, exitCodeFor } from '../exit-codes.js';
import { STDIN } from '../options.js';

function write(file: string, text: string, force: boolean): Diagnostic | undefined {
  if (!force && existsSync(file)) return createDiagnostic('MOE9012', { args: { path: file } });
  const tmp = `${file}.${process.pid}.moec-import.tmp`;
  try {
    writeFileSync(tmp, text, { flag: 'wx' });
    renameSync(tmp, file);
    return undefined;
  } catch (err) {
    rmSync(tmp, { force: true });
    return createDiagnostic('MOE9004', { args: { path: file, reason: (err as Error).message } });
  }
}

export async function runImport(config: string, options: ImportOptions): Promise<number> {
  const report = (ds: Diagnostic[]) => ds.length && writeDiagnostics(process.stderr, ds, new Map());
  if (!existsSync(config)) {
    const d = [createDiagnostic('MOE9001', { args: { path: config } })];
    report(d);
    return exitCodeFor(d);
  }
  const output = options.output ?? STDIN;
  const made = importSpec(config, output === STDIN ? 'model.moe' : basename(output));
  report(made.diagnostics);
  if (!made.value || hasErrors(made.diagnostics)) return EXIT_ERRORS;
  if (output === STDIN) {
    process.stdout.write(made.value.text);
    return EXIT_OK;
  }
  const failed = write(output, made.value.text, options.force === true);
  if (failed) {
    report([failed]);
    return EXIT_ERRORS;
  }
  process.stderr.write(`wrote ${output} (Hugging Face ${made.value.type.modelType})\n  next: moec check ${output}  ·  moec compile ${output} --weights <model dir> -o <out>/\n`);
  return EXIT_OK;
}
