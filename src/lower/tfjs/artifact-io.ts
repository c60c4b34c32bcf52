/**
 * TensorFlow.js target — reading and writing the Layers artifact on disk without tfjs-node
 * (whose `file://` handler needs the native package): model.json plus weight shards, through
 * a tf.io.IOHandler. Shards stay under 1 GiB (Node Buffers cap at 4 GiB; smaller shards also
 * stream better). Saving goes to a temporary directory renamed into place, so a failed write
 * never leaves a half-written artifact.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';

const SHARD_BYTES = 1 << 30;

function shardNames(count: number): string[] {
  return count === 1 ? ['weights.bin'] : Array.from({ length: count }, (_, i) => `weights.${i + 1}-of-${count}.bin`);
}

/**
 * An IOHandler on directory `dir`: `load` reads dir/model.json and its shards; `save` writes
 * them atomically (temp dir + rename), replacing an existing artifact. `extra` is merged into
 * model.json's userDefinedMetadata on save.
 */
export function fileHandler(dir: string, extra: Record<string, unknown> = {}): tf.io.IOHandler & { written: string[] } {
  const written: string[] = [];
  return {
    written,
    async load() {
      const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
      return tf.io.getModelArtifactsForJSON(json, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          for (const w of group.weights) specs.push(w);
          for (const p of group.paths) {
            const b = fs.readFileSync(path.join(dir, p));
            buffers.push(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
    async save(artifacts) {
      const data = artifacts.weightData ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : new Uint8Array(0);
      const count = Math.max(1, Math.ceil(data.byteLength / SHARD_BYTES));
      const names = shardNames(count);
      const json: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: names, weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        userDefinedMetadata: { ...(artifacts.userDefinedMetadata ?? {}), ...(extra as Record<string, {}>) },
      };
      const parent = path.dirname(path.resolve(dir));
      const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(dir)}.tmp-`));
      try {
        fs.writeFileSync(path.join(tmp, 'model.json'), JSON.stringify(json, null, 1) + '\n');
        names.forEach((n, i) => fs.writeFileSync(path.join(tmp, n), data.subarray(i * SHARD_BYTES, Math.min(data.byteLength, (i + 1) * SHARD_BYTES))));
        fs.rmSync(dir, { recursive: true, force: true });
        fs.renameSync(tmp, dir);
      } catch (err) {
        fs.rmSync(tmp, { recursive: true, force: true });
        throw err;
      }
      written.push(path.join(dir, 'model.json'), ...names.map((n) => path.join(dir, n)));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
  };
}
