/**
 * Safetensors interop — opening one `.safetensors` file: read the 8-byte header length, check it
 * against the file size and MAX_HEADER_BYTES *before* allocating anything of that size, read the
 * header and validate it (header.ts). A zip archive (`torch.save`) is named as such.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { createDiagnostic, type Diagnostic, type Result } from '../../diagnostics/diagnostic.js';
import { parseHeader, type SafetensorsHeader } from './header.js';
import { allocBytes, ioDiagnostic, readFully } from './positioned-io.js';
import { SafetensorsFile } from './safetensors-file.js';

/** The reference reader's limit on the header (`MAX_HEADER_SIZE` in tensor.rs). */
export const MAX_HEADER_BYTES = 100_000_000;

export interface OpenOptions {
  /** Refuse headers longer than this (default MAX_HEADER_BYTES). */
  maxHeaderBytes?: number;
}

/** Open and validate a safetensors file; the returned reader holds the file open until `close()`. */
export function openSafetensors(path: string, options: OpenOptions = {}): Result<SafetensorsFile | undefined> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    return { value: undefined, diagnostics: [ioDiagnostic(path, err)] };
  }
  let header: ReturnType<typeof readHeaderFrom>;
  try {
    header = readHeaderFrom(fd, path, options.maxHeaderBytes ?? MAX_HEADER_BYTES);
  } catch (err) {
    closeSync(fd);
    if (typeof (err as NodeJS.ErrnoException).code !== 'string') throw err;
    return { value: undefined, diagnostics: [ioDiagnostic(path, err)] };
  }
  if (!header.value) {
    closeSync(fd);
    return header as Result<undefined>;
  }
  return { value: new SafetensorsFile(path, header.value.header, header.value.fileSize, fd), diagnostics: header.diagnostics };
}

const PICKLE_ZIP = [0x50, 0x4b, 0x03, 0x04];

function readHeaderFrom(fd: number, path: string, limit: number): Result<{ header: SafetensorsHeader; fileSize: number } | undefined> {
  const fail = (d: Diagnostic) => ({ value: undefined, diagnostics: [d] });
  const stat = fstatSync(fd);
  if (!stat.isFile()) return fail(createDiagnostic('MOE7500', { args: { path, reason: 'not a regular file' } }));
  const fileSize = stat.size;
  const prefix = new Uint8Array(8);
  if (readFully(fd, prefix, 0) < 8) {
    return fail(createDiagnostic('MOE7501', { args: { path, reason: `it has ${fileSize} bytes, fewer than the 8-byte header length` } }));
  }
  if (PICKLE_ZIP.every((b, i) => prefix[i] === b)) {
    return fail(createDiagnostic('MOE7501', { args: { path, reason: 'it is a zip archive (a PyTorch `torch.save` checkpoint?)' } }));
  }
  const length = new DataView(prefix.buffer).getBigUint64(0, true);
  if (length > BigInt(limit)) return fail(createDiagnostic('MOE7502', { args: { path, length: String(length), limit } }));
  if (length > BigInt(fileSize - 8)) {
    const reason = `the header length ${length} runs past the end of the file (${fileSize} bytes)`;
    return fail(createDiagnostic('MOE7501', { args: { path, reason } }));
  }
  const bytes = allocBytes(Number(length));
  if (readFully(fd, bytes, 8) < bytes.length) {
    return fail(createDiagnostic('MOE7500', { args: { path, reason: 'the file shrank while its header was read' } }));
  }
  const header = parseHeader(path, bytes, fileSize);
  return header.value ? { value: { header: header.value, fileSize }, diagnostics: header.diagnostics } : (header as Result<undefined>);
}
