/**
 * CLI (`moec import <config | dir> [-o spec.moe]`): the imported spec (src/interop/hf/
 * import-spec.ts), printed or written atomically; diagnostics on stderr. Exit 0 written, 1 the
 * config cannot be imported (nothing written), 2 the input does not exist.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ImportOptions } from '../commands/import.js';
import { createDiagnostic, hasErrors, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { importSpec } from '../../interop/hf/import-spec.js';
import { writeDiagnostics } from '../render/pretty.js';
import { EXIT_ERRORS, EXIT_OK, exitCodeFor } from '../exit-codes.js';
import { STDIN } from '../options.js';
import { checkOutputNotInput } from '../../io/output-guard.js';
import { escapeControls } from '../../io/escape-text.js';
import { writeErrorReason, writeFileAtomicSync } from '../../io/write-file.js';

/**
 * The written spec is `.moe` text, so a `.json`/`.yaml` name (read back as a data spec) is refused,
 * as is an output that is the config read (`import c.moe -o c.moe --force`, or a link to it).
 */
function write(file: string, config: string, text: string, force: boolean): Diagnostic | undefined {
  if (/\.(json|ya?ml)$/i.test(file)) {
    return createDiagnostic('MOE9004', { args: { path: file, reason: '`moec import` writes the .moe syntax, and a .json/.yaml name is read as a data spec; name the output *.moe' } });
  }
  const clash = checkOutputNotInput(file, [config, join(config, 'config.json')]);
  if (clash) return clash;
  if (!force && existsSync(file)) return createDiagnostic('MOE9012', { args: { path: file } });
  try {
    if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) throw new Error('it is a directory');
    writeFileAtomicSync(file, text);
    return undefined;
  } catch (err) {
    return createDiagnostic('MOE9004', { args: { path: file, reason: writeErrorReason(err) } });
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
  const name = output === STDIN || /\.(json|ya?ml)$/i.test(output) ? 'model.moe' : basename(output);
  const made = importSpec(config, name);
  report(made.diagnostics);
  if (!made.value || hasErrors(made.diagnostics)) return EXIT_ERRORS;
  if (output === STDIN) {
    process.stdout.write(made.value.text);
    return EXIT_OK;
  }
  const failed = write(output, config, made.value.text, options.force === true);
  if (failed) {
    report([failed]);
    return EXIT_ERRORS;
  }
  const shown = escapeControls(output); // a path reaches the terminal: no raw ESC or line break
  process.stderr.write(`wrote ${shown} (Hugging Face ${made.value.type.modelType})\n  next: moec check ${shown}  ·  moec compile ${shown} --weights <model dir> -o <out>/\n`);
  return EXIT_OK;
}
