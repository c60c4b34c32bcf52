/**
 * TensorFlow.js target — backend selection. Runs before any model is built.
 *
 * Preference order for `auto`: node-gpu (@tensorflow/tfjs-node-gpu, CUDA) → node
 * (@tensorflow/tfjs-node, libtensorflow on the CPU) → wasm (@tensorflow/tfjs-backend-wasm,
 * SIMD binaries shipped inside the npm package, on `threads` cores: wasm-threads.ts) → cpu
 * (pure JS). The two native packages are optional peers: their install downloads
 * libtensorflow, which is not possible everywhere, so they are imported at run time through a
 * variable specifier (neither TypeScript nor npm requires them). `webgpu` (webgpu.ts, optional
 * dependencies) is tried only when asked for, and falls back to wasm. An explicit choice that
 * cannot be honoured falls back down the list with a warning (MOE6000), never silently — or,
 * with `fallback: false`, is an error (MOE6033).
 */
import { availableParallelism } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { Precision } from '../../spec/types.js';
import { activateWasm, availableWasmThreads } from './wasm-threads.js';
import { activateWebgpu, releaseWebgpu } from './webgpu.js';

export type BackendPreference = 'auto' | 'node-gpu' | 'node' | 'webgpu' | 'wasm' | 'cpu';
type BackendKind = Exclude<BackendPreference, 'auto'>;

export interface SelectedBackend {
  /** The tfjs backend name that is now active: `tensorflow` (node / node-gpu), `webgpu`, `wasm` or `cpu`. */
  backend: string;
  /** Which of moec's choices ran (`node-gpu`, `node`, `webgpu`, `wasm`, `cpu`), for the run log. */
  kind: BackendKind;
  /** Extra facts for the run log, e.g. `simd` / `threads` for wasm, the adapter for webgpu. */
  details: string[];
  /** Threads the wasm backend computes on (absent for the other backends). */
  threads?: number;
  /** Warnings (fallbacks, precision, fewer threads), and MOE6033 when a fallback was refused. */
  warnings: Diagnostic[];
}

export interface SelectBackendOptions {
  /** The spec's training precision; anything but fp32 draws MOE6511 (tfjs computes in float32). */
  precision?: Precision;
  /** wasm threads (1…8); default: the cores available (availableWasmThreads). */
  threads?: number;
  /** false: an explicit backend that cannot be used is an error (MOE6033), not a fallback. */
  fallback?: boolean;
}

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

interface Attempt {
  reason?: string;
  /** What to do about `reason`, when it depends on the reason (else HINTS). */
  hint?: string;
  details: string[];
  threads?: number;
  warnings: Diagnostic[];
}

/** wasm on `threads` threads; fewer than asked (the threaded build refused) is MOE6032. */
async function tryWasm(threads: number): Promise<Attempt> {
  try {
    const state = await activateWasm(threads);
    if (!state) return { reason: 'the wasm backend did not initialise', details: [], warnings: [] };
    const warnings = state.fallback
      ? [createDiagnostic('MOE6032', { args: { requested: threads, used: state.threads, reason: state.fallback } })]
      : [];
    const details = [`simd=${tf.env().getBool('WASM_HAS_SIMD_SUPPORT')}`, `threads=${state.threads}`];
    return { details, threads: state.threads, warnings };
  } catch (err) {
    return { reason: `the wasm backend did not initialise: ${(err as Error).message}`, details: [], warnings: [] };
  }
}

const WEBGPU_INSTALL = 'install the optional dependencies `webgpu` and `@tensorflow/tfjs-backend-webgpu` (npm leaves them out with --omit=optional)';
const WEBGPU_DEVICE = 'Dawn needs a GPU and its driver: on Linux libvulkan1 and the GPU vendor\'s Vulkan driver (`vulkaninfo` should list the GPU)';

async function tryWebgpu(): Promise<Attempt> {
  const r = await activateWebgpu();
  if (r.ok) return { details: r.details, warnings: [] };
  return { reason: r.reason, hint: r.missing ? WEBGPU_INSTALL : WEBGPU_DEVICE, details: [], warnings: [] };
}

const HINTS: Record<BackendKind, string> = {
  'node-gpu': 'install @tensorflow/tfjs-node-gpu (needs CUDA 11.2 and cuDNN 8.1; its install downloads libtensorflow)',
  node: 'install @tensorflow/tfjs-node (its install downloads libtensorflow)',
  webgpu: WEBGPU_DEVICE,
  wasm: 'reinstall @tensorflow/tfjs-backend-wasm',
  cpu: '',
};

/** Which backends an explicit choice falls back through, in order. */
const FALLBACKS: Record<BackendPreference, BackendKind[]> = {
  auto: ['node-gpu', 'node', 'wasm', 'cpu'],
  'node-gpu': ['node-gpu', 'node', 'wasm', 'cpu'],
  node: ['node', 'wasm', 'cpu'],
  webgpu: ['webgpu', 'wasm', 'cpu'],
  wasm: ['wasm', 'cpu'],
  cpu: ['cpu'],
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
 * Let the process exit after a run: a webgpu device holds it open (webgpu.ts). The wasm
 * backend's threads do not (wasm-threads.ts), nor do the others.
 */
export function releaseBackend(): void {
  releaseWebgpu();
}

/** MOE6030 unless `threads` is 1…availableWasmThreads() (the cores this process may use, at most 8). */
export function checkThreads(threads: number | undefined): Diagnostic[] {
  const max = availableWasmThreads();
  if (threads === undefined || (Number.isInteger(threads) && threads >= 1 && threads <= max)) return [];
  return [createDiagnostic('MOE6030', { args: { threads, max, cores: availableParallelism() } })];
}

/**
 * Make a backend active. `auto` takes the fastest that loads, quietly; an explicit choice that
 * fails warns (MOE6000) and falls back down the list, or with `fallback: false` reports
 * MOE6033 (an error: the caller stops; the fallback is active meanwhile). cpu (plain
 * JavaScript) always initialises; if even it fails, that is a bug and is thrown.
 */
export async function selectBackend(pref: BackendPreference, opts: SelectBackendOptions = {}): Promise<SelectedBackend> {
  const warnings: Diagnostic[] = [];
  const failures: { kind: string; reason: string; hint?: string }[] = [];
  let chosen: SelectedBackend | undefined;
  for (const kind of FALLBACKS[pref]) {
    let a: Attempt;
    if (kind === 'node-gpu') a = { reason: await tryNative('@tensorflow/tfjs-node-gpu'), details: [], warnings: [] };
    else if (kind === 'node') a = { reason: await tryNative('@tensorflow/tfjs-node'), details: [], warnings: [] };
    else if (kind === 'webgpu') a = await tryWebgpu();
    else if (kind === 'wasm') a = await tryWasm(opts.threads ?? availableWasmThreads());
    else a = { reason: (await tf.setBackend('cpu')) ? undefined : 'the cpu backend did not initialise', details: [], warnings: [] };
    if (kind === 'cpu' && a.reason === undefined) silenceCpuBanner();
    if (a.reason === undefined) {
      chosen = { backend: tf.getBackend(), kind, details: a.details, warnings };
      if (a.threads !== undefined) chosen.threads = a.threads;
      warnings.push(...a.warnings);
      break;
    }
    failures.push({ kind, reason: a.reason, hint: a.hint });
  }
  if (!chosen) {
    const last = failures[failures.length - 1];
    throw new Error(`moec: no TensorFlow.js backend initialised (${last?.reason ?? 'unknown'})`);
  }
  if (pref !== 'auto' && chosen.kind !== pref) {
    const args = { requested: pref, reason: failures[0]!.reason, used: chosen.kind, hint: failures[0]!.hint ?? HINTS[pref] };
    warnings.unshift(createDiagnostic(opts.fallback === false ? 'MOE6033' : 'MOE6000', { args }));
  }
  if (opts.threads !== undefined && chosen.kind !== 'wasm') {
    warnings.push(createDiagnostic('MOE6031', { args: { threads: opts.threads, backend: chosen.kind } }));
  }
  if (opts.precision && opts.precision !== 'fp32') {
    warnings.push(createDiagnostic('MOE6511', { args: { precision: opts.precision, backend: chosen.kind } }));
  }
  return chosen;
}
