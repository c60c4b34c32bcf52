/**
 * HF bridge (weights in) — a cheap identity for a Hugging Face checkpoint directory, so a run
 * that started from it (`moec train --init-from <hf dir>`) can check on resume that it still
 * holds the same weights without reading them: sha256 over config.json's bytes and, per shard,
 * its name, size and content identity — the blob name when the shard is a link into the Hub
 * cache (`snapshots/<rev>/x.safetensors → ../../blobs/<sha256>`, content-addressed), else its
 * modification time — plus every tensor's header entry (name, dtype, shape, offsets).
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Result } from '../../../diagnostics/diagnostic.js';
import { openCheckpoint } from '../../safetensors/open-checkpoint.js';

export function hfCheckpointFingerprint(dir: string): Result<string | undefined> {
  const opened = openCheckpoint(dir);
  if (!opened.value) return opened as Result<undefined>;
  const reader = opened.value;
  const h = createHash('sha256');
  h.update(readFileSync(join(dir, 'config.json')));
  for (const [file] of reader.shards) {
    const path = join(dir, file);
    const identity = lstatSync(path).isSymbolicLink() ? basename(readlinkSync(path)) : String(statSync(path).mtimeMs);
    h.update(`\0${file}\0${statSync(path).size}\0${identity}`);
  }
  for (const t of reader.tensors) h.update(`\0${t.name}\0${t.dtype}\0${t.shape.join(',')}\0${t.offset}\0${t.byteLength}`);
  reader.close();
  return { value: h.digest('hex'), diagnostics: opened.diagnostics };
}
