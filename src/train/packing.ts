/**
 * Training phase — packing fine-tuning examples into rows of seq_len tokens, as TRL's
 * `pack_dataset(strategy="bfd")` (trl/data_utils.py, _pack_bfd): Best Fit Decreasing over the
 * examples' lengths, whole examples per row; chat and prompt/completion examples longer than a
 * row are truncated (MOE6643 counts them), text documents are split into row-sized pieces (TRL's
 * "bfd_split"). In a row each example is its own segment: attention stays inside it and its
 * positions restart at 0 (src/lower/tfjs/packed-layout.ts); a target is the next token of the same
 * example when that token is a training target (examples.ts), else −1, so nothing is predicted
 * across an example boundary or on padding (TRL masks labels where position_ids == 0). Rows are
 * shuffled per epoch by the seeded RNG; the sampler state (epoch, cursor, RNG) is checkpointed.
 */
import { createDiagnostic, type Diagnostic } from '../diagnostics/diagnostic.js';
import type { Example } from './examples.js';
import type { RecordIndex } from './record-index.js';
import { createRng, restoreRng, type Rng } from './rng.js';
import type { Batch, Sampler, SamplerState } from './sampler.js';

/** A piece of an example: record `record`, tokens [start, start + length). */
export interface Unit {
  record: number;
  start: number;
  length: number;
}

/** Units of the records (text split, others truncated to `seq`), and the truncation warning. */
export function unitsOf(index: RecordIndex, records: readonly number[], seq: number): { units: Unit[]; diagnostics: Diagnostic[] } {
  const units: Unit[] = [];
  let truncated = 0;
  let longest = 0;
  let structured = 0;
  for (const r of records) {
    const n = index.tokens[r]!;
    if (index.splittable[r]) {
      for (let s = 0; s < n; s += seq) if (Math.min(seq, n - s) >= 2) units.push({ record: r, start: s, length: Math.min(seq, n - s) });
      continue;
    }
    structured++;
    if (n > seq) (truncated++, (longest = Math.max(longest, n)));
    if (n >= 2) units.push({ record: r, start: 0, length: Math.min(n, seq) });
  }
  const diagnostics = truncated ? [createDiagnostic('MOE6643', { args: { count: truncated, total: structured, seq, longest } })] : [];
  return { units, diagnostics };
}

/** Best Fit Decreasing: rows of unit indices, each row's lengths summing to at most `seq`. */
export function packBestFit(units: readonly Unit[], seq: number): number[][] {
  const order = units.map((_, i) => i).sort((a, b) => units[b]!.length - units[a]!.length || a - b);
  const rows: number[][] = [];
  // byRoom[r]: rows with exactly r free positions (most recently opened last).
  const byRoom: number[][] = Array.from({ length: seq + 1 }, () => []);
  for (const u of order) {
    const len = units[u]!.length;
    let room = len;
    while (room <= seq && byRoom[room]!.length === 0) room++;
    let row: number;
    if (room > seq) {
      row = rows.length;
      rows.push([]);
      room = seq;
    } else row = byRoom[room]!.shift()!;
    rows[row]!.push(u);
    if (room - len > 0) byRoom[room - len]!.push(row);
  }
  return rows;
}

function shuffled(n: number, rng: Rng): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** Fill one packed row (offset `r` of the batch arrays) from its units' examples. */
export function fillRow(b: Batch, r: number, units: readonly Unit[], rowUnits: readonly number[], example: (record: number) => Example): void {
  const seq = b.seqLen;
  const o = r * seq;
  b.targets.fill(-1, o, o + seq);
  b.segments!.fill(-1, o, o + seq);
  let at = 0;
  rowUnits.forEach((u, seg) => {
    const unit = units[u]!;
    const ex = example(unit.record);
    for (let p = 0; p < unit.length; p++) {
      const t = o + at + p;
      b.inputs[t] = ex.ids[unit.start + p]!;
      b.valid![t] = 1;
      b.segments![t] = seg;
      b.positions![t] = p;
      const next = unit.start + p + 1;
      if (p + 1 < unit.length && ex.loss[next]) b.targets[t] = ex.ids[next]!;
    }
    at += unit.length;
  });
}

export function emptyBatch(rows: number, seq: number): Batch {
  return {
    inputs: new Int32Array(rows * seq),
    targets: new Int32Array(rows * seq),
    rows,
    seqLen: seq,
    valid: new Uint8Array(rows * seq),
    segments: new Int32Array(rows * seq),
    positions: new Int32Array(rows * seq),
  };
}

/** A sampler over packed rows (same contract and state as sampler.ts's). */
export function createPackedSampler(
  units: readonly Unit[],
  rows: readonly number[][],
  seq: number,
  example: (record: number) => Example,
  seed: number,
  restore?: SamplerState,
): Sampler {
  let epoch = restore?.epoch ?? 0;
  let cursor = restore?.cursor ?? 0;
  let rng = restore ? restoreRng(restore.epochRng) : createRng(seed);
  let epochRng = rng.state();
  let order = shuffled(rows.length, rng);
  return {
    samples: rows.length,
    next(n) {
      const b = emptyBatch(n, seq);
      for (let r = 0; r < n; r++) {
        if (cursor === rows.length) {
          epoch += 1;
          cursor = 0;
          epochRng = rng.state();
          order = shuffled(rows.length, rng);
        }
        fillRow(b, r, units, rows[order[cursor++]!]!, example);
      }
      return b;
    },
    state() {
      return { epoch, cursor, epochRng: [...epochRng], nextRng: rng.state() };
    },
  };
}
