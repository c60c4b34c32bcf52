/**
 * Test/bench helper — this process's peak resident set size, in bytes. On Linux: VmHWM from
 * /proc/self/status, the high-water mark of this program's own memory since exec. Not
 * getrusage's ru_maxrss, which Linux carries across exec from the parent's memory at fork (a
 * child spawned by a 300 MB parent reports at least 300 MB), and not a cgroup count.
 */
import { readFileSync } from 'node:fs';

export function peakRss(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS * 1024;
}
