/**
 * Tests of in-process CLI commands: run `fn` with process.stdout captured (returned as `out`)
 * and process.stderr silenced, restoring both whatever happens.
 */
import { vi } from 'vitest';

export async function captureStdout<T>(fn: () => Promise<T>): Promise<{ value: T; out: string }> {
  let out = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((out += String(c)), true));
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { value: await fn(), out };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}
