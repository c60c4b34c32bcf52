/**
 * Installing moec outside the clone, as README.md says: `npm pack` on a copy of the working tree
 * (its `prepare` script builds dist/; the copy keeps this checkout's dist/ untouched while other
 * tests use it), then `npm install <tarball>` in an empty directory — dependencies come from
 * the registry as for any user — and the installed `moec` runs there: init, check (a file and
 * stdin), explain. One install: it is the slowest test (tens of seconds on a warm npm cache).
 */
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const root = mkdtempSync(join(tmpdir(), 'moec-tarball-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The environment of a user's shell: no npm_* variables leaking from the `npm test` running us. */
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
// onnxruntime-node's install script would fetch CUDA providers from api.nuget.org (see README).
env.ONNXRUNTIME_NODE_INSTALL = 'skip';

function sh(cmd: string, args: string[], options: SpawnSyncOptions & { input?: string } = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, timeout: 480_000, ...options });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The working tree as a fresh clone would have it (tracked and new files, nothing ignored). */
function copyWorkingTree(to: string): void {
  const files = sh('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z']).stdout.split('\0').filter(Boolean);
  for (const f of files) {
    if (!existsSync(f)) continue; // deleted in the working tree
    mkdirSync(join(to, dirname(f)), { recursive: true });
    cpSync(f, join(to, f));
  }
  symlinkSync(realpathSync('node_modules'), join(to, 'node_modules'));
}

describe('the packed tarball, installed in an empty directory', () => {
  test('npm pack builds dist/; npm install <tgz> gives a working moec', () => {
    const clone = join(root, 'clone');
    copyWorkingTree(clone);
    const pack = sh('npm', ['pack', '--pack-destination', root, '--json'], { cwd: clone });
    expect(pack.code, pack.stderr).toBe(0);
    const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')));
    const packed: string[] = info.files.map((f: { path: string }) => f.path);
    expect(packed).toContain('dist/cli/bin.js'); // built by `prepare` during the pack
    expect(packed).toContain('specs/tiny.moe');
    expect(packed.filter((p) => p.startsWith('test/') || p.startsWith('node_modules/'))).toEqual([]);
    const tgz = join(root, info.filename);

    const app = join(root, 'app');
    mkdirSync(app);
    const install = sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tgz], { cwd: app });
    expect(install.code, install.stderr).toBe(0);
    const moec = (args: string[], input?: string) => sh(join(app, 'node_modules', '.bin', 'moec'), args, { cwd: app, input });

    expect(moec(['--version']).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(moec(['init', 'demo', '--from', 'mixtral']).code).toBe(0);
    expect(readdirSync(app)).toContain('demo.moe');
    const check = moec(['check', 'demo.moe']);
    expect([check.code, check.stdout]).toEqual([0, '1 file checked: no problems\n']);
    const bad = moec(['check', '-', '--stdin-filepath', 'bad.moe'], 'model "b" { vocab 0 }\n');
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('bad.moe:1:');
    const explained = JSON.parse(moec(['explain', 'demo.moe', '--format', 'json']).stdout);
    expect(Number((explained.params.total / 1e9).toFixed(1))).toBe(46.7);
    const viaNpx = sh('npx', ['--no-install', 'moec', 'check', 'demo.moe'], { cwd: app });
    expect([viaNpx.code, viaNpx.stderr]).toEqual([0, '']); // and no npm warning on every command
  }, 600_000);
});
