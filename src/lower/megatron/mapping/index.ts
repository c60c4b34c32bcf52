/**
 * Megatron-Core target — the mapping table: every spec key Megatron can state, one row each, in
 * train.sh order. docs/megatron.md lists the same rows, and test/lower/megatron/mapping.test.ts
 * changes each row's key and sees its arguments change.
 */
import { FFN_ROWS } from './ffn.js';
import { LAUNCH_ROWS } from './launch.js';
import { MODEL_ROWS } from './model.js';
import { PARALLEL_ROWS } from './parallel.js';
import { ROPE_ROWS } from './rope.js';
import { ROUTER_ROWS } from './router.js';
import { BLOCKS, type Block, type MappingRow } from './row.js';
import { TRAIN_ROWS } from './train.js';

const ROWS: MappingRow[] = [...MODEL_ROWS, ...ROPE_ROWS, ...FFN_ROWS, ...ROUTER_ROWS, ...PARALLEL_ROWS, ...TRAIN_ROWS, ...LAUNCH_ROWS];

/** The rows grouped by train.sh block, blocks in BLOCKS order. */
export const MAPPING: readonly MappingRow[] = (Object.keys(BLOCKS) as Block[]).flatMap((b) => ROWS.filter((r) => r.block === b));

export { BLOCKS, type Block, type MappingRow } from './row.js';
