/**
 * TensorFlow.js target — backend setup: the optional WebGPU backend in Node.
 *
 * Two optional packages: `webgpu` (Dawn's Node bindings, a prebuilt `dawn.node` per platform)
 * and `@tensorflow/tfjs-backend-webgpu`. The tfjs backend is written for browsers: it reads
 * `navigator.gpu` and the WebGPU globals (`GPUBufferUsage`, …), and registers itself on import
 * only if `navigator.gpu` exists then (tfjs-backend-webgpu/src/base.ts, `isWebGPUSupported()`).
 * So moec installs Dawn's globals and `navigator.gpu = create([])` first, then imports it.
 *
 * Before handing over, moec asks for an adapter itself, with the options tfjs will use
 * (`powerPreference: 'high-performance'`). Dawn finds one only through a real GPU driver
 * (Vulkan on Linux, Metal, D3D12): without `libvulkan.so.1`, or with only Mesa's software
 * llvmpipe (which Dawn rejects), `requestAdapter()` resolves to null, and tfjs's factory would
 * then fail on `adapter.features` with a stack trace. The probe turns that into a reason.
 *
 * Never picked by `auto`: no GPU has run moec's tests on this backend (docs/training.md).
 */
import * as tf from '@tensorflow/tfjs';

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface AdapterInfo { vendor?: string; architecture?: string; device?: string; description?: string }
interface AdapterLike { info?: AdapterInfo; limits?: { maxBufferSize?: number; maxStorageBufferBindingSize?: number } }
interface GpuLike { requestAdapter(o?: { powerPreference?: string }): Promise<AdapterLike | null> }

export type WebgpuOutcome = { ok: true; details: string[] } | { ok: false; reason: string; missing: boolean };

/** Import an optional package; a reason when it is absent or does not load. */
async function load<T>(name: string): Promise<{ module: T } | { reason: string; missing: boolean }> {
  const specifier = name;
  try {
    return { module: (await import(specifier)) as T };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return { reason: `${name} is not installed`, missing: true };
    return { reason: `${name} failed to load: ${String((err as Error).message ?? err).split('\n')[0]}`, missing: false };
  }
}

/** `navigator.gpu`, the WebGPU globals, and how to take them back. */
function installNavigatorGpu(dawn: DawnModule, gpu: GpuLike): void {
  const g = globalThis as { navigator?: { gpu?: GpuLike } };
  for (const [name, value] of Object.entries(dawn.globals)) if (!(name in globalThis)) Object.assign(globalThis, { [name]: value });
  // Node ≥ 21 has a read-only `navigator`; define a property on it rather than replace it.
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
}

/**
 * Dawn keeps the process alive while anything references its GPU object (node-webgpu README,
 * "Lifetime"; https://issues.chromium.org/issues/387965810): after a run, drop the backend and
 * `navigator.gpu` so that `moec train` exits.
 */
export function releaseWebgpu(): void {
  const factory = tf.findBackendFactory('webgpu');
  if (factory) {
    // removeBackend also forgets the factory, which tfjs-backend-webgpu registers only on its
    // first import: register it again (priority 3, its base.ts) for a later selectBackend.
    tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', factory, 3);
  }
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav && 'gpu' in nav) delete nav.gpu;
}

function describe(adapter: AdapterLike): string[] {
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device || info.description].filter(Boolean).join(' ');
  const details = [`adapter=${name || 'unnamed'}`];
  const max = adapter.limits?.maxStorageBufferBindingSize;
  if (max) details.push(`max_binding=${Math.round(max / 2 ** 20)}MiB`);
  return details;
}

/** Make `webgpu` the active backend, or say why it cannot be. */
export async function activateWebgpu(): Promise<WebgpuOutcome> {
  const dawn = await load<DawnModule>('webgpu');
  if ('reason' in dawn) return { ok: false, reason: dawn.reason, missing: dawn.missing };
  // Probe with a GPU object of our own first: when there is no adapter it is simply dropped.
  const existing = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  const gpu = existing ?? dawn.module.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) {
    const reason = 'Dawn found no GPU adapter: it needs a GPU and its driver, Vulkan on Linux, Metal on macOS, D3D12 on Windows; software Vulkan such as llvmpipe is rejected';
    return { ok: false, reason, missing: false };
  }
  if (!existing) installNavigatorGpu(dawn.module, gpu);
  const backend = await load<unknown>('@tensorflow/tfjs-backend-webgpu');
  if ('reason' in backend) return { ok: false, reason: backend.reason, missing: backend.missing };
  try {
    if (await tf.setBackend('webgpu')) return { ok: true, details: describe(adapter) };
    releaseWebgpu();
    return { ok: false, reason: 'the webgpu backend did not initialise', missing: false };
  } catch (err) {
    releaseWebgpu();
    return { ok: false, reason: `the webgpu backend did not initialise: ${(err as Error).message}`, missing: false };
  }
}
