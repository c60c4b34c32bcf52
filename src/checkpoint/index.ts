/** Checkpoints (docs/checkpoint.md): the writer `moec train` uses and the readers resume and ONNX export use. */
export * from './format.js';
export { pointLatestAt, writeCheckpoint, type CheckpointInput, type OptimizerSnapshot } from './write-checkpoint.js';
export { CheckpointSource, openCheckpointSource, readCheckpointWeights } from './checkpoint-source.js';
export {
  checkTokenizer,
  readManifest,
  readOptimizerState,
  readTrainerState,
  resolveCheckpointDir,
  type CheckpointLocation,
  type OptimizerState,
} from './read-checkpoint.js';
