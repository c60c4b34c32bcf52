/**
 * I/O — how much memory this process may use, for the refuse-before-allocating checks of
 * `compile` and `train`. In a container the limit is the cgroup's, not the machine's:
 * `os.totalmem()` reports the host (a 64 GiB machine) while the kernel kills the process at
 * the container's 800 MiB. Node reports the cgroup limit as `process.constrainedMemory()`
 * (0, or a huge value such as 2^64, when there is none).
 */
import { freemem, totalmem } from 'node:os';

export interface HostMemory {
  /** Bytes this process may use at most: the machine's memory or the container's limit. */
  total: number;
  /** Bytes free now, within that limit. */
  free: number;
  /** True when `total` is a container (cgroup) limit below the machine's memory. */
  constrained?: boolean;
}

/** The memory limit in effect for this process. */
export function hostMemory(): HostMemory {
  const machine = totalmem();
  const limit = typeof process.constrainedMemory === 'function' ? process.constrainedMemory() ?? 0 : 0;
  if (limit > 0 && limit < machine) {
    const used = process.memoryUsage().rss;
    return { total: limit, free: Math.max(0, Math.min(freemem(), limit - used)), constrained: true };
  }
  return { total: machine, free: freemem() };
}

/** "12.0 GiB" or "800 MiB (the container's memory limit)" — what a refusal says the limit is. */
export function describeLimit(host: HostMemory, format: (bytes: number) => string): string {
  return host.constrained ? `${format(host.total)} (the container's memory limit)` : format(host.total);
}
