/**
 * Hostile input — the harness every case runs under: the built CLI in a child process with a
 * time limit (killed with SIGKILL, so a process ignoring SIGTERM cannot outlive it) and its peak
 * memory measured (measure.mjs). A case that hangs fails with "hung"; one that allocates fails
 * on its memory bound. Also small fixtures: temporary directories, FIFOs, specs.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const BIN = resolve('dist/cli/bin.js');
export const HAS_BIN = existsSync(BIN);
const MEASURE = resolve('test/hostile/measure.mjs');

export interface Bounded {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the whole moec process, MiB. */
  maxRssMiB: number;
  ms: number;
  hung: boolean;
}

export interface BoundedOptions {
  cwd?: string;
  /** Seconds before the case counts as hung (default 20: the failure mode is "forever"). */
  limitS?: number;
  env?: Record<string, string>;
  /** A shell prefix such as `ulimit -f 64;` (runs under bash). */
  shell?: string;
  input?: string;
}

/** `moec …args` with a time limit and its peak memory measured. */
export function moec(args: string[], options: BoundedOptions = {}): Bounded {
  const argv = [process.execPath, MEASURE, BIN, ...args];
  const quoted = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const [cmd, cmdArgs] = options.shell ? ['bash', ['-c', `${options.shell} exec ${quoted}`]] : [argv[0]!, argv.slice(1)];
  const r = spawnSync(cmd, cmdArgs, {
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: (options.limitS ?? 20) * 1000,
    killSignal: 'SIGKILL',
    input: options.input,
    env: { ...process.env, ...options.env, NO_COLOR: '1' },
    maxBuffer: 64 * 2 ** 20,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  const report = String(r.output?.[3] ?? '');
  const stats = report ? (JSON.parse(report) as { code: number; maxRssKiB: number; ms: number }) : undefined;
  return {
    code: r.status,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    maxRssMiB: stats ? stats.maxRssKiB / 1024 : Infinity,
    ms: stats?.ms ?? Infinity,
    hung: r.signal === 'SIGKILL' || stats === undefined,
  };
}

const dirs: string[] = [];
export function tempDir(prefix = 'moec-hostile-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}
export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A FIFO at `path` (mkfifo(1)); false where there is none (Windows). */
export function mkfifo(path: string): boolean {
  return spawnSync('mkfifo', [path]).status === 0;
}

/** A small valid model spec, with `extra` lines inside the model block. */
export function smallSpec(name = 'small', extra = ''): string {
  return `model ${JSON.stringify(name)} {\n  vocab 256\n  hidden 64\n  layers 2\n  context 128\n  attention { heads 4 }\n  dense { ffn 128 }\n${extra}\n}\n`;
}

export function write(dir: string, name: string, text: string | Uint8Array): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** No raw control character (other than newline) in human-readable output. */
export function hasRawControl(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/.test(text);
}
