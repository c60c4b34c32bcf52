/**
 * `moec check` end to end: the built CLI (dist/, from `npm run build`) in a child process —
 * exit codes, formats, inputs, and that checking never loads tfjs or onnxruntime.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { describe, expect, test } from 'vitest';
import { createDiagnostic, type Diagnostic } from '../../src/diagnostics/diagnostic.js';
import { renderPretty } from '../../src/cli/render/pretty.js';

const BIN = 'dist/cli/bin.js';
const BAD = 'test/fixtures/invalid/router-top-k.moe';

function moec(args: string[], nodeArgs: string[] = []) {
  const r = spawnSync(process.execPath, [...nodeArgs, BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(BIN))('moec check (built CLI)', () => {
  test('every shipped spec is free of errors', () => {
    const r = moec(['check', 'specs']);
    expect(r.stdout).toMatch(/files checked: 0 errors|files checked: no problems/);
    expect(r.code).toBe(0);
  });

  test('the CI recipe of docs/ci.md: clean on the shipped specs, exit 1 on a real mistake', () => {
    const clean = moec(['check', 'specs', '--format', 'github', '--max-warnings', '0']);
    expect([clean.code, clean.stdout.includes('::warning'), clean.stdout.includes('::error')]).toEqual([0, false, false]);
    const dir = mkdtempSync(join(tmpdir(), 'moec-ci-'));
    cpSync('specs', join(dir, 'specs'), { recursive: true });
    const mixtral = join(dir, 'specs', 'mixtral-8x7b.moe');
    writeFileSync(mixtral, readFileSync(mixtral, 'utf8').replace('top_k 2', 'top_k 9'));
    const broken = moec(['check', join(dir, 'specs'), '--format', 'github', '--max-warnings', '0']);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/^::error file=.*mixtral-8x7b\.moe,line=\d+,.*title=MOE3201::/m);
    rmSync(dir, { recursive: true, force: true });
  });

  test('errors exit 1 with file:line:col, caret and summary', () => {
    const r = moec(['check', BAD]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${BAD}:7:20 - error MOE3201: router.top_k 10 exceeds the 8 routed experts`);
    expect(r.stdout).toMatch(/\n\s+\|\s+\^\^/);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('1 file checked: 1 error, 2 warnings');
  });

  test('warnings alone exit 0, and 1 past --max-warnings', () => {
    const warnOnly = 'test/fixtures/invalid/router-every-expert.moe';
    expect(moec(['check', warnOnly]).code).toBe(0);
    expect(moec(['check', warnOnly, '--max-warnings', '0']).code).toBe(1);
    expect(moec(['check', warnOnly, '--quiet']).stdout).not.toContain('MOE3202');
  });

  test('usage errors exit 2: no input matched, bad flag', () => {
    const missing = moec(['check', 'no/such/file.moe']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toContain('MOE9001');
    expect(moec(['check', 'specs/*.nothing']).code).toBe(2);
    expect(moec(['check', 'specs', '--format', 'xml']).code).toBe(2);
    expect(moec(['check']).code).toBe(2);
  });

  test('--format json', () => {
    const doc = JSON.parse(moec(['check', BAD, '--format', 'json']).stdout);
    expect(doc.summary).toMatchObject({ files: 1, errors: 1, warnings: 2 });
    expect(doc.diagnostics[0]).toMatchObject({ code: 'MOE3201', severity: 'error', file: BAD, line: 7, column: 20 });
  });

  test('--format github writes workflow commands', () => {
    const lines = moec(['check', BAD, '--format', 'github']).stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^::error file=${BAD},line=7,col=20,endLine=7,endColumn=22,title=MOE3201::router.top_k 10 exceeds the 8 routed experts%0Ahint: `));
    expect(lines[1]).toMatch(/^::warning file=.*title=MOE3207::/);
  });

  test('--format sarif is SARIF 2.1.0 with one rule per code', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moec-sarif-'));
    const out = join(dir, 'report.sarif');
    expect(moec(['check', BAD, '--format', 'sarif', '-o', out]).code).toBe(1);
    const log = JSON.parse(readFileSync(out, 'utf8'));
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    const ids = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const result = run.results[0];
    expect(ids[result.ruleIndex]).toBe(result.ruleId);
    expect(result).toMatchObject({ ruleId: 'MOE3201', level: 'error' });
    expect(result.locations[0].physicalLocation).toMatchObject({ artifactLocation: { uri: BAD }, region: { startLine: 7, startColumn: 20 } });
    expect(run.tool.driver.rules.find((r: { id: string }) => r.id === 'MOE3201').help.text).toContain('docs/diagnostics.md#moe3201');
  });

  test('a fragment file is parsed, not validated as a whole model', () => {
    const dir = mkdtempSync(join(tmpdir(), 'moec-frag-'));
    writeFileSync(join(dir, 'cluster.moe'), 'parallel { data 8  expert 8 }\n');
    writeFileSync(join(dir, 'broken.moe'), 'parallel { data 8 \n');
    const r = moec(['check', dir, '--format', 'json']);
    const doc = JSON.parse(r.stdout);
    expect(doc.files.map((f: { kind: string }) => f.kind)).toEqual(['fragment', 'fragment']);
    expect(doc.diagnostics.map((d: { code: string }) => d.code)).toEqual(['MOE1021']);
  });

  test('check loads neither tfjs nor onnxruntime', () => {
    const r = moec(['check', 'specs'], ['--import', './test/cli/fixtures/forbid-heavy-imports.mjs']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  test('the import guard itself trips on tfjs', () => {
    const r = spawnSync(process.execPath, ['--import', './test/cli/fixtures/forbid-heavy-imports.mjs', '--input-type=module', '-e', "await import('@tensorflow/tfjs')"], { encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('must not load @tensorflow/tfjs');
  });

  test('moec schema prints the JSON Schema', () => {
    const schema = JSON.parse(moec(['schema']).stdout);
    expect(schema.$schema).toContain('json-schema.org');
    expect(schema.properties.moe.properties.router.required).toEqual(['top_k']);
  });
});

describe('pretty output shows the source line as a terminal would', () => {
  const at = (line: number, column: number, endColumn: number): Diagnostic =>
    createDiagnostic('MOE1010', { span: { file: 'a.moe', offset: 0, line, column, endOffset: 0, endLine: line, endColumn }, args: { text: 'x', plural: '' } });

  test('a tab before the span keeps the caret under it', () => {
    const out = renderPretty([at(2, 6, 9)], new Map([['a.moe', 'model "x" {\n\tfoo bar\n}\n']]));
    const [src, caret] = out.split('\n').slice(1, 3);
    expect(src).not.toContain('\t');
    expect(caret.indexOf('^')).toBe(src.indexOf('bar'));
    expect(caret).toMatch(/[^^]\^{3}$/);
  });

  test('lone CR line endings count as lines, as in the lexer', () => {
    const out = renderPretty([at(3, 3, 7)], new Map([['a.moe', 'model "x" {\r  vocab 1\r  hidden 2\r}\r']]));
    expect(out).toContain('  3 |   hidden 2\n');
  });

  test('control characters in the source cannot reach the terminal', () => {
    const out = renderPretty([at(1, 13, 14)], new Map([['a.moe', 'model "x" { \u001b[2J }']]));
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(out).toContain('model "x" { \u241b[2J }');
  });
});
