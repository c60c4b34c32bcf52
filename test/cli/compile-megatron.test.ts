/**
 * `moec compile --target megatron` end to end: the built CLI (dist/, from `npm run build`) in a
 * child process — the launch directory and summary, refusals and usage errors (nothing written),
 * `--megatron` overrides, and train.sh run by bash against a stand-in `torchrun` that records its
 * arguments: they must be args.json's argv exactly (so the shell quoting is right).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const BIN = 'dist/cli/bin.js';
const root = mkdtempSync(join(tmpdir(), 'moec-cli-megatron-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function moec(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!existsSync(BIN))('moec compile --target megatron (built CLI)', () => {
  test('writes train.sh (executable), args.json and README.md, and prints a summary', () => {
    const out = join(root, 'mixtral');
    const r = moec(['compile', 'specs/mixtral-8x7b.moe', '--target', 'megatron', '-o', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^compiled mixtral-8x7b → .*mixtral \(Megatron-Core core_v0\.19\.0 launch: 64 processes, \d+ arguments\)/);
    expect(statSync(join(out, 'train.sh')).mode & 0o111).not.toBe(0);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toContain('core_v0.19.0');
    expect(JSON.parse(readFileSync(join(out, 'args.json'), 'utf8')).launcher).toEqual({ program: 'pretrain_gpt.py', nnodes: 8, nproc_per_node: 8, world_size: 64 });
  });

  test('train.sh hands torchrun exactly args.json\'s arguments, and stops on the wrong process count', () => {
    const out = join(root, 'dsv3');
    const settings = ['--megatron', "data=0.5,/data/it's here,0.5,/data/b", '--megatron', 'save=/ckpt/a b'];
    expect(moec(['compile', 'specs/deepseek-v3.moe', '--target', 'megatron', '-o', out, ...settings]).code).toBe(0);
    const bin = join(root, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'torchrun'), '#!/usr/bin/env bash\nfor a in "$@"; do printf "%s\\n" "$a"; done\n');
    chmodSync(join(bin, 'torchrun'), 0o755);
    const env = { ...process.env, PATH: `${bin}:${process.env.PATH}`, MEGATRON_LM: root };
    const run = spawnSync('bash', [join(out, 'train.sh')], { encoding: 'utf8', env });
    expect(run.stderr).toBe('');
    const words = run.stdout.split('\n').slice(0, -1);
    const argv = JSON.parse(readFileSync(join(out, 'args.json'), 'utf8')).argv;
    expect(words.slice(words.indexOf('pretrain_gpt.py') + 1)).toEqual(argv);
    expect(argv).toContain("/data/it's here");
    expect(argv).toContain('Et*4|(t*4|)*12t*3|t*3|t*3mL');
    // DeepSeek-V3's balancing (issue 16): the sequence-wise loss at 1e-4 with the expert bias at 1e-3.
    const at = (flag: string) => argv[argv.indexOf(flag) + 1];
    expect([at('--moe-router-load-balancing-type'), at('--moe-aux-loss-coeff'), at('--moe-router-bias-update-rate')]).toEqual(['seq_aux_loss', '0.0001', '0.001']);
    const wrong = spawnSync('bash', [join(out, 'train.sh')], { encoding: 'utf8', env: { ...env, NNODES: '2' } });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('needs 2048 processes');
  });

  test('a spec Megatron cannot state is refused: exit 1, the diagnostic at the key, nothing written', () => {
    const spec = join(root, 'gshard.moe');
    const tiny = readFileSync('specs/tiny.moe', 'utf8');
    expect(tiny).toContain('overflow drop\n');
    writeFileSync(spec, tiny.replace('overflow drop\n', 'overflow drop\n      drop_policy gshard\n'));
    const out = join(root, 'gshard');
    const r = moec(['compile', spec, '--target', 'megatron', '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/gshard\.moe:33:19 - error MOE3810: Megatron-Core cannot express router\.drop_policy gshard/);
    expect(r.stderr).toContain('hint: use drop_policy probs');
    expect(existsSync(out)).toBe(false);
  });

  test('tiny compiles: its capacity drops in Megatron\'s probs order, with the per-rank capacity named (MOE3811)', () => {
    const out = join(root, 'tiny');
    const r = moec(['compile', 'specs/tiny.moe', '--target', 'megatron', '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/tiny\.moe:31:23 - warning MOE3811/);
    const argv: string[] = JSON.parse(readFileSync(join(out, 'args.json'), 'utf8')).argv;
    expect(argv.slice(argv.indexOf('--moe-expert-capacity-factor'), argv.indexOf('--moe-expert-capacity-factor') + 4)).toEqual(['--moe-expert-capacity-factor', '1.5', '--moe-token-drop-policy', 'probs']);
  });

  test('usage: no -o, options of other targets, a bad --megatron pair — exit 2', () => {
    expect(moec(['compile', 'specs/mixtral-8x7b.moe', '--target', 'megatron'])).toMatchObject({ code: 2, stderr: expect.stringContaining('MOE8201') });
    const w = moec(['compile', 'specs/mixtral-8x7b.moe', '--target', 'megatron', '-o', join(root, 'w'), '--weights', 'runs/x']);
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('MOE8202');
    expect(w.stderr).toContain('moec export hf');
    const p = moec(['compile', 'specs/mixtral-8x7b.moe', '--target', 'megatron', '-o', join(root, 'p'), '--megatron', 'nodes=zero']);
    expect(p.code).toBe(2);
    expect(p.stderr).toContain('`--megatron nodes=zero`: expected a whole number');
  });

  test('--megatron settings are checked with the spec: a process count that does not add up is an error', () => {
    const r = moec(['compile', 'specs/mixtral-8x7b.moe', '--target', 'megatron', '-o', join(root, 'n'), '--megatron', 'nodes=3', '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.diagnostics.map((d: { code: string }) => d.code)).toEqual(['MOE8111']);
    expect(existsSync(join(root, 'n'))).toBe(false);
  });
});
