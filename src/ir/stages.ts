/**
 * IR phase — pipeline stage assignment (docs/ir.md). Layers are cut into pipeline × virtual
 * contiguous chunks as evenly as possible, Megatron-style; when the layers do not divide, the
 * first `layers mod chunks` chunks take one extra layer (the last stage already carries the
 * final norm, the LM head and any MTP modules). Chunk c runs on stage c mod pipeline, so with
 * virtual_stages 1 the chunks are the stages and with v > 1 this is the interleaved schedule.
 * The embedding lives on the first stage, the head on the last.
 */

/** Number of layers in each chunk, in chunk order. */
export function chunkSizes(layers: number, chunks: number): number[] {
  const base = Math.floor(layers / chunks);
  const extra = layers % chunks;
  return Array.from({ length: chunks }, (_, c) => base + (c < extra ? 1 : 0));
}

/** The pipeline stage of every layer. */
export function assignStages(layers: number, pipeline: number, virtualStages: number): number[] {
  const chunks = pipeline * virtualStages;
  const stages: number[] = [];
  chunkSizes(layers, chunks).forEach((size, c) => {
    for (let i = 0; i < size; i++) stages.push(c % pipeline);
  });
  return stages;
}
