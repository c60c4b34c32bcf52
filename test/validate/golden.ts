/**
 * Test helper: expected diagnostics recorded with each invalid fixture. A `.moe` fixture ends
 * with `// expect: LINE:COL SEVERITY CODE` lines (a `.moe.yaml` with `# expect:`); a
 * `.moe.json`, which cannot hold comments, has them in `<file>.expected` beside it.
 * Diagnostics in another file (an imported fragment) are written `path:LINE:COL`, relative to
 * the fixture directory. `UPDATE=1` rewrites the expectations from what moec reports.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Diagnostic } from '../../src/diagnostics/diagnostic.js';

const MARK = /^(?:\/\/|#) expect: (.*)$/;

export function expectationFile(file: string): string | undefined {
  return file.endsWith('.json') ? `${file}.expected` : undefined;
}

export function formatExpectations(file: string, dir: string, diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const where = d.span ? `${d.span.file === file ? '' : relative(dir, d.span.file).replace(/\\/g, '/') + ':'}${d.span.line}:${d.span.column}` : '-';
    return `${where} ${d.severity} ${d.code}`;
  });
}

export function readExpectations(file: string): string[] {
  const side = expectationFile(file);
  if (side) return existsSync(side) ? readFileSync(side, 'utf8').split('\n').filter(Boolean) : [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((line) => {
      const m = MARK.exec(line);
      return m ? [m[1]] : [];
    });
}

export function writeExpectations(file: string, lines: readonly string[]): void {
  const side = expectationFile(file);
  if (side) {
    writeFileSync(side, lines.map((l) => l + '\n').join(''));
    return;
  }
  const comment = file.endsWith('.yaml') || file.endsWith('.yml') ? '#' : '//';
  const body = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => !MARK.test(line))
    .join('\n')
    .replace(/\n+$/, '\n');
  writeFileSync(file, body + '\n' + lines.map((l) => `${comment} expect: ${l}\n`).join(''));
}
