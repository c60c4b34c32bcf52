/**
 * CLI (`moec export hf`): the output directory is written whole and, with --force, the previous
 * one is removed — so no input (the spec and its imports, --weights, --adapter) may be the output
 * or lie inside it (`--weights m -o m --force` removed the checkpoint's other files, `-o .. --force`
 * the weights directory, `-o spec.moe --force` the spec), and an existing directory must hold only
 * what an export writes (MOE9106: `-o . --force` would remove the working directory's files).
 * Compared after resolving symlinks, so another name for an input is caught too.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import { checkReplaceableDir, isWithin } from '../../io/output-guard.js';

/** What `moec export hf` writes: save_pretrained's names (config, generation config, shards, index). */
export function isHfExportFile(name: string): boolean {
  return name === 'config.json' || name === 'generation_config.json' || /^model(-\d{5}-of-\d{5})?\.safetensors$/.test(name) || name === 'model.safetensors.index.json';
}

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return resolve(p);
  }
}

/** MOE9102 / MOE9106 / MOE7202 when writing `output` could destroy an input or unrelated files. */
export function checkExportOutput(output: string, inputs: readonly (string | undefined)[]): Diagnostic | undefined {
  const out = realOrSelf(output);
  const input = inputs.find((i): i is string => i !== undefined && i !== '-' && isWithin(realOrSelf(i), out));
  if (input !== undefined) return createDiagnostic('MOE9102', { args: { output, input } });
  let isDir = false;
  try {
    isDir = statSync(output).isDirectory();
  } catch {
    return undefined; // nothing there yet
  }
  if (!isDir) return createDiagnostic('MOE7202', { args: { path: output, reason: 'it exists and is not a directory (the export is a model directory)' } });
  return checkReplaceableDir(output, isHfExportFile, 'what `moec export hf` writes (config.json, generation_config.json, model*.safetensors, the index)');
}
