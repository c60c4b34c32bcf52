/**
 * HF bridge (import) — the spec object an import builds, key by key, with a comment per key
 * saying which config field it came from (the `.moe` text prints it after the value). Keys are
 * JSON pointers into the spec object (`/moe/router/top_k`), the same addresses diagnostics use.
 */
import type { ModelSpec } from '../../spec/types.js';

export class SpecDraft {
  readonly spec: Record<string, unknown> = {};
  /** pointer → comment for the key's line. */
  readonly comments = new Map<string, string>();
  /** Lines for the file header (what was not carried, and why). */
  readonly notes: string[] = [];
  /** MoE layers as the config's layer rule gives them (the router codec converts per-layer coefficients with it). */
  moeLayers: number[] = [];

  set(pointer: string, value: unknown, comment?: string): void {
    const parts = pointer.split('/').slice(1);
    let at = this.spec;
    for (const p of parts.slice(0, -1)) {
      if (typeof at[p] !== 'object' || at[p] === null) at[p] = {};
      at = at[p] as Record<string, unknown>;
    }
    at[parts[parts.length - 1]!] = value;
    if (comment) this.comments.set(pointer, comment);
  }

  get(pointer: string): unknown {
    let at: unknown = this.spec;
    for (const p of pointer.split('/').slice(1)) {
      if (typeof at !== 'object' || at === null) return undefined;
      at = (at as Record<string, unknown>)[p];
    }
    return at;
  }

  comment(pointer: string, text: string): void {
    const before = this.comments.get(pointer);
    this.comments.set(pointer, before ? `${before}; ${text}` : text);
  }

  note(line: string): void {
    this.notes.push(line);
  }

  get model(): ModelSpec {
    return this.spec as unknown as ModelSpec;
  }
}
