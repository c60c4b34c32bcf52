/**
 * CLI (`moec fmt`): format `.moe` files in the canonical layout (format-moe.ts).
 *   moec fmt spec.moe            print the formatted file to stdout (one file only)
 *   moec fmt --write specs/      rewrite changed files in place (atomically: temp file + rename)
 *   moec fmt --check specs/      exit 1 listing the files that are not formatted; writes nothing
 *   moec fmt - [--stdin-filepath f]   format stdin to stdout (editors)
 * A file with syntax errors is left alone and its diagnostics are printed (exit 1).
 * Exit codes: 0 ok, 1 errors or (with --check) unformatted files, 2 usage.
 */
import { createDiagnostic, hasErrors, type Diagnostic } from '../diagnostics/diagnostic.js';
import { expandInputs } from '../cli/check/expand-inputs.js';
import { writeDiagnostics } from '../cli/render/pretty.js';
import { readSpecText } from '../spec/read-text.js';
import { isDataFile } from '../spec/imports.js';
import type { Sources } from '../spec/source.js';
import { formatMoe } from './format-moe.js';
import type { FmtCommandOptions } from '../cli/commands/fmt.js';
import { EXIT_ERRORS, EXIT_OK, EXIT_USAGE } from '../cli/exit-codes.js';
import { inputMode, readStdinSpec } from '../cli/stdin.js';
import { escapeControls } from '../io/escape-text.js';
import { writeFileAtomicSync } from '../io/write-file.js';

export type FmtOptions = FmtCommandOptions;

/**
 * Replace `file` atomically (src/io/write-file.ts): through a symlink (the link is kept, its
 * target rewritten), keeping the file's permission bits, every byte checked.
 */
function writeAtomically(file: string, text: string): Diagnostic | undefined {
  try {
    writeFileAtomicSync(file, text);
    return undefined;
  } catch (err) {
    return createDiagnostic('MOE9004', { args: { path: file, reason: (err as Error).message } });
  }
}

/**
 * `moec fmt -`: format the spec read from stdin. The formatted text goes to stdout (even when
 * it is unchanged, as editors expect); with --check nothing is printed but the verdict.
 */
async function formatStdin(display: string, options: FmtOptions): Promise<number> {
  const sources: Sources = new Map();
  if (options.write) {
    writeDiagnostics(process.stderr, [createDiagnostic('MOE9011', { args: { reason: '--write rewrites files; stdin has none (the formatted text goes to stdout)' } })], sources);
    return EXIT_USAGE;
  }
  if (isDataFile(display)) {
    writeDiagnostics(process.stderr, [createDiagnostic('MOE9011', { args: { reason: `moec fmt formats .moe files; ${display} names a JSON/YAML spec` } })], sources);
    return EXIT_USAGE;
  }
  const read = await readStdinSpec(display, sources);
  if (!read.ok) {
    writeDiagnostics(process.stderr, [read.diagnostic], sources);
    return EXIT_ERRORS;
  }
  const result = formatMoe(read.text, display);
  if (result.diagnostics.length) writeDiagnostics(process.stderr, result.diagnostics, sources);
  if (result.output === undefined) return EXIT_ERRORS;
  if (!options.check) process.stdout.write(result.output);
  else if (result.output !== read.text) {
    process.stdout.write(`would reformat ${display}\n`);
    return EXIT_ERRORS;
  }
  return hasErrors(result.diagnostics) ? EXIT_ERRORS : EXIT_OK;
}

export async function runFmt(inputs: readonly string[], options: FmtOptions): Promise<number> {
  const sources: Sources = new Map();
  if (options.check && options.write) {
    process.stderr.write('moec fmt: use either --check or --write, not both\n');
    return EXIT_USAGE;
  }
  const mode = inputMode(inputs, options.stdinFilepath);
  if (mode.kind === 'usage') {
    writeDiagnostics(process.stderr, [mode.diagnostic], sources);
    return EXIT_USAGE;
  }
  if (mode.kind === 'stdin') return formatStdin(mode.display, options);
  const expanded = await expandInputs(inputs);
  // fmt formats the .moe language; JSON/YAML spec files found in directories are not its business.
  const files = expanded.files.filter((f) => f.endsWith('.moe'));
  if (expanded.diagnostics.length) {
    writeDiagnostics(process.stderr, expanded.diagnostics, sources);
    return EXIT_USAGE;
  }
  if (files.length === 0) {
    writeDiagnostics(process.stderr, [createDiagnostic('MOE9002', { args: { pattern: inputs.join(' ') }, hint: 'moec fmt formats .moe files' })], sources);
    return EXIT_USAGE;
  }
  if (!options.check && !options.write && files.length > 1) {
    process.stderr.write(`moec fmt: ${files.length} files matched; printing is for one file — use --write to rewrite them or --check to verify\n`);
    return EXIT_USAGE;
  }

  const diagnostics: Diagnostic[] = [];
  const unformatted: string[] = [];
  for (const file of files) {
    const read = readSpecText(file, file, sources);
    if (!read.ok) {
      diagnostics.push(read.diagnostic);
      continue;
    }
    const result = formatMoe(read.text, file);
    diagnostics.push(...result.diagnostics);
    if (result.output === undefined) continue;
    const changed = result.output !== read.text;
    if (options.check) {
      if (changed) unformatted.push(file);
    } else if (options.write) {
      if (changed) {
        const failed = writeAtomically(file, result.output);
        if (failed) diagnostics.push(failed);
        else process.stderr.write(`formatted ${escapeControls(file)}\n`);
      }
    } else {
      process.stdout.write(result.output);
    }
  }

  if (diagnostics.length) writeDiagnostics(process.stderr, diagnostics, sources);
  for (const file of unformatted) process.stdout.write(`would reformat ${escapeControls(file)}\n`);
  if (options.check && unformatted.length) {
    process.stderr.write(`${unformatted.length} of ${files.length} file${files.length === 1 ? '' : 's'} not formatted; run \`moec fmt --write\`\n`);
  }
  return hasErrors(diagnostics) || unformatted.length ? EXIT_ERRORS : EXIT_OK;
}
