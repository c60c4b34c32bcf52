/**
 * Run phase: recognise a spec passed where a compiled model belongs (`moec run specs/tiny.moe`),
 * so the user is told to compile it (MOE9010) instead of reading a protobuf parse error.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/**
 * A spec given where a compiled model belongs (`moec run specs/tiny.moe`): by its name, or by
 * its first bytes — an ONNX ModelProto begins with a protobuf tag byte, a spec with text such as
 * a comment or `model "…"`.
 */
export function isSpecFile(path: string): boolean {
  if (/\.moe(\.json|\.ya?ml)?$/i.test(path)) return true;
  try {
    if (!statSync(path).isFile()) return false; // never open a FIFO or device just to look
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(256);
      const n = readSync(fd, head, 0, head.length, 0);
      return /^\s*(\/\/|\/\*|#|import\s+"|model\s+")/.test(head.subarray(0, n).toString('utf8'));
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // missing or unreadable: openLmSession reports it
  }
}
