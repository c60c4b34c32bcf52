/**
 * `moec compile` interrupted while writing: Ctrl-C (SIGINT) and SIGKILL during the write of a
 * ~200 MB model — inline, and streamed to external data tensor by tensor — leave no model.onnx;
 * SIGINT also leaves no temporary. The child is the built CLI; the parent watches the directory
 * and interrupts as soon as a temporary appears.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = 'dist/cli/bin.js';
const root = mkdtempSync(join(tmpdir(), 'moec-kill-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// ~50 M parameters: a write long enough (≈ 200 MB) to be caught in the middle.
const SPEC = { name: 'kill', vocab: 32000, hidden: 512, layers: 2, context: 256, attention: { heads: 8 }, moe: { experts: { count: 8, ffn: 1024 }, router: { top_k: 2 } } };

function compileAndInterrupt(dir: string, signal: NodeJS.Signals, external: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; sawTemp: boolean }> {
  const spec = join(dir, 'kill.moe.json');
  writeFileSync(spec, JSON.stringify(SPEC));
  return new Promise((resolve, reject) => {
    const args = [BIN, 'compile', spec, '-o', join(dir, 'model.onnx'), ...(external ? ['--external-data'] : [])];
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    let sawTemp = false;
    const poll = setInterval(() => {
      if (!sawTemp && readdirSync(dir).some((f) => f.startsWith('.model.onnx') && f.includes('.tmp-'))) {
        sawTemp = true;
        child.kill(signal);
      }
    }, 2);
    child.on('error', reject);
    child.on('exit', (code, sig) => {
      clearInterval(poll);
      resolve({ code, signal: sig, sawTemp });
    });
  });
}

describe.skipIf(!existsSync(BIN))('moec compile interrupted mid-write', () => {
  for (const [signal, external] of [['SIGINT', false], ['SIGKILL', false], ['SIGINT', true], ['SIGKILL', true]] as const) {
    it(`${signal}${external ? ', streaming external data' : ''}: no model.onnx${signal === 'SIGINT' ? ' and no temporary' : ''}`, async () => {
      const dir = join(root, `${signal}-${external}`);
      mkdirSync(dir, { recursive: true });
      const r = await compileAndInterrupt(dir, signal, external);
      expect(r.sawTemp).toBe(true);
      expect(r.signal).toBe(signal);
      expect(existsSync(join(dir, 'model.onnx'))).toBe(false);
      const left = readdirSync(dir).filter((f) => f !== 'kill.moe.json');
      if (signal === 'SIGINT') expect(left).toEqual([]);
      else expect(left.every((f) => f.includes('.tmp-'))).toBe(true);
    });
  }
});
