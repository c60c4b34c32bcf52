/**
 * CLI (`moec check`): command-line inputs → spec files. A file is taken as given; a directory
 * is searched recursively for *.moe, *.moe.json, *.moe.yaml and *.moe.yml (skipping
 * node_modules and dot-directories); anything else is a glob (tinyglobby). Inputs that match
 * nothing become diagnostics, so the caller can report them with the rest.
 */
import { statSync } from 'node:fs';
import { glob, isDynamicPattern } from 'tinyglobby';
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';

export const SPEC_GLOB = '**/*.{moe,moe.json,moe.yaml,moe.yml}';
const IGNORE = ['**/node_modules/**', '**/.*/**'];

export interface ExpandedInputs {
  files: string[];
  diagnostics: Diagnostic[];
}

function kindOf(path: string): 'file' | 'dir' | undefined {
  try {
    const st = statSync(path);
    return st.isDirectory() ? 'dir' : 'file';
  } catch {
    return undefined;
  }
}

/** Forward slashes and no leading `./`, so reports are the same on every OS. */
const normalize = (p: string) => p.replace(/\\/g, '/').replace(/^\.\//, '');

export async function expandInputs(inputs: readonly string[]): Promise<ExpandedInputs> {
  const files = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  for (const input of inputs) {
    const kind = kindOf(input);
    if (kind === 'file') {
      files.add(normalize(input));
      continue;
    }
    const isDir = kind === 'dir';
    if (!isDir && !isDynamicPattern(input)) {
      diagnostics.push(createDiagnostic('MOE9001', { args: { path: input } }));
      continue;
    }
    const found = await glob(isDir ? SPEC_GLOB : input, { cwd: isDir ? input : undefined, ignore: IGNORE, onlyFiles: true, expandDirectories: false });
    if (found.length === 0) {
      diagnostics.push(createDiagnostic('MOE9002', { args: { pattern: input }, hint: isDir ? 'the directory has no *.moe, *.moe.json or *.moe.yaml files' : 'check the pattern; quote it so the shell does not expand it' }));
    }
    for (const f of found) files.add(normalize(isDir ? `${input.replace(/[\\/]+$/, '')}/${f}` : f));
  }
  return { files: [...files].sort(), diagnostics };
}
