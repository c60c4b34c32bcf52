/**
 * TensorFlow.js target — backend selection. Runs before any model is built.
 *
 * Preference order for `auto`: node-gpu (@tensorflow/tfjs-node-gpu, CUDA) → node
 * (@tensorflow/tfjs-node, libtensorflow on the CPU) → wasm (@tensorflow/tfjs-backend-wasm,
 * SIMD binary shipped inside the npm package) → cpu (pure JS). The two native packages are
 * optional peers: their install downloads libtensorflow, which is not possible everywhere, so
 * they are imported at run time through a variable specifier (neither TypeScript nor npm
 * requires them). An explicit choice that cannot be honoured falls back down the same list
 * with a warning, never silently.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Precision } from '../../spec/types.js';

export type BackendPreference = 'auto' | 'node-gpu' | 'node' | 'wasm' | 'cpu';

export interface SelectedBackend {
  /** The tfjs backend name that is now active: `tensorflow` (node / node-gpu), `wasm` or `cpu`. */
  backend: string;
  /** Which of moec's choices ran (`node-gpu`, `node`, `wasm`, `cpu`), for the run log. */
  kind: Exclude<BackendPreference, 'auto'>;
  /** Extra facts for the run log, e.g. `simd` / `threads` for wasm. */
  details: string[];
  warnings: Diagnostic[];
}

export interface SelectBackendOptions {
  /** The spec's training precision; anything but fp32 draws MOE6511 (tfjs computes in float32). */
  precision?: Precision;
}

const require = createRequire(import.meta.url);

/** Import a package that may not be installed without TypeScript resolving it at build time. */
async function importOptional(name: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const specifier = name;
  try {
    await import(specifier);
    return { ok: true };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      return { ok: false, reason: `${name} is not installed` };
    }
    // Installed but broken (e.g. libcudart.so.11.0 missing): report the loader's first line.
    return { ok: false, reason: `${name} failed to load: ${String((err as Error).message ?? err).split('\n')[0]}` };
  }
}

async function tryNative(name: string): Promise<string | undefined> {
  const loaded = await importOptional(name);
  if (!loaded.ok) return loaded.reason;
  try {
    if (!(await tf.setBackend('tensorflow'))) return `${name} loaded but its backend did not initialise`;
  } catch (err) {
    return `${name} loaded but its backend did not initialise: ${(err as Error).message}`;
  }
  return undefined;
}

/** Point the wasm backend at the binaries inside the installed package, so nothing is fetched. */
async function tryWasm(details: string[]): Promise<string | undefined> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const dir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
    wasm.setWasmPaths(path.join(dir, 'dist') + path.sep);
    if (!(await tf.setBackend('wasm'))) return 'the wasm backend did not initialise';
    // Threads need SharedArrayBuffer workers, which Node does not give tfjs: SIMD is what matters.
    details.push(`simd=${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}`, `threads=${tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')}`);
    return undefined;
  } catch (err) {
    return `the wasm backend did not initialise: ${(err as Error).message}`;
  }
}

const HINTS: Record<Exclude<BackendPreference, 'auto'>, string> = {
  'node-gpu': 'install @tensorflow/tfjs-node-gpu (needs CUDA 11.2 and cuDNN 8.1; its install downloads libtensorflow)',
  node: 'install @tensorflow/tfjs-node (its install downloads libtensorflow)',
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm',
  cpu: '',
};

/**
 * tfjs's cpu backend prints a "install tfjs-node" banner on its first tensor. moec reports the
 * backend that ran (and how to get a faster one) itself, so the banner is only noise in its
 * output. The flag is the backend's own first-use marker.
 */
export function silenceCpuBanner(): void {
  if (tf.getBackend() !== 'cpu') return;
  const cpu = tf.backend() as unknown as { firstUse?: boolean };
  if ('firstUse' in cpu) cpu.firstUse = false;
}

/**
 * Make a backend active. `auto` takes the fastest that loads, quietly; an explicit choice that
 * fails warns (MOE6000) and falls back down the list. cpu (plain JavaScript) always
 * initialises; if even it fails, that is a bug and is thrown.
 */
export async function selectBackend(
  pref: BackendPreference,
  opts: SelectBackendOptions = {},
): Promise<SelectedBackend> {
  const order: Exclude<BackendPreference, 'auto'>[] = ['node-gpu', 'node', 'wasm', 'cpu'];
  const start = pref === 'auto' ? 0 : order.indexOf(pref);
  const warnings: Diagnostic[] = [];
  const failures: { kind: string; reason: string }[] = [];
  let chosen: SelectedBackend | undefined;
  for (const kind of order.slice(start)) {
    const details: string[] = [];
    let reason: string | undefined;
    if (kind === 'node-gpu') reason = await tryNative('@tensorflow/tfjs-node-gpu');
    else if (kind === 'node') reason = await tryNative('@tensorflow/tfjs-node');
    else if (kind === 'wasm') reason = await tryWasm(details);
    else reason = (await tf.setBackend('cpu')) ? undefined : 'the cpu backend did not initialise';
    if (kind === 'cpu' && reason === undefined) silenceCpuBanner();
    if (reason === undefined) {
      chosen = { backend: tf.getBackend(), kind, details, warnings };
      break;
    }
    failures.push({ kind, reason });
  }
  if (!chosen) {
    const last = failures[failures.length - 1];
    throw new Error(`moec: no TensorFlow.js backend initialised (${last?.reason ?? 'unknown'})`);
  }
  if (pref !== 'auto' && chosen.kind !== pref) {
    const first = failures[0]!;
    warnings.push(
      createDiagnostic('MOE6000', {
        args: { requested: pref, reason: first.reason, used: chosen.kind, hint: HINTS[pref] },
      }),
    );
  }
  if (opts.precision && opts.precision !== 'fp32') {
    warnings.push(createDiagnostic('MOE6511', { args: { precision: opts.precision, backend: chosen.kind } }));
  }
  return chosen;
}
