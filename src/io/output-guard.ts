/**
 * I/O: refuse an output that would destroy an input. Compared by device and inode, so
 * `x.moe` vs `./x.moe`, a symlink and a hard link to the input are all caught; an output that
 * does not exist yet cannot be an input. Checked before anything is written.
 */
import { readdirSync, statSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** Whether `a` and `b` name the same existing file (after following symlinks). */
export function sameFile(a: string, b: string): boolean {
  const x = statOrUndefined(a);
  const y = statOrUndefined(b);
  return x !== undefined && y !== undefined && x.dev === y.dev && x.ino === y.ino;
}

/** MOE9102 when `output` is one of `inputs`; undefined when the write may go ahead. */
export function checkOutputNotInput(output: string, inputs: Iterable<string>): Diagnostic | undefined {
  const out = statOrUndefined(output);
  if (!out) return undefined;
  for (const input of inputs) {
    const st = statOrUndefined(input);
    if (st && st.dev === out.dev && st.ino === out.ino) return createDiagnostic('MOE9102', { args: { output, input } });
  }
  return undefined;
}

/** Whether `path` is `dir` or lies under it (lexically, after resolving both). */
export function isWithin(path: string, dir: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/**
 * MOE9106 when `dir` exists and holds a file `ours` does not recognise: an output directory that
 * is replaced whole (`rm -r` then rename) must be new, empty, or a previous output of the same
 * kind — never `-o .` or `-o ~`.
 */
export function checkReplaceableDir(dir: string, ours: (name: string) => boolean, what: string): Diagnostic | undefined {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return undefined; // missing (it will be created) or not a directory (the write reports it)
  }
  const other = entries.find((e) => !ours(e));
  return other === undefined ? undefined : createDiagnostic('MOE9106', { args: { path: dir, what, file: other } });
}
