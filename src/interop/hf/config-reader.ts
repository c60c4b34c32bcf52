/**
 * HF bridge (import) — reading a transformers `config.json` the way its configuration class
 * does: a field the file leaves out takes the class default (`defaults` of the model type), a
 * field of the wrong type is a diagnostic naming it, and every field read is recorded, so the
 * importer can account for the rest (mapped, known not to change the function, or unknown —
 * never silently dropped). Terms: *raw* = the parsed file; *value* = raw, else the default.
 */
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The language's limit on decoder layers (src/validate/schema.ts `layers`). */
export const MAX_LAYERS = 10_000;

// JSON.parse reads a literal past the double range (1e400) as ±Infinity, which JSON.stringify prints as null.
const show = (v: unknown): string => (v === undefined ? 'absent' : typeof v === 'number' && !Number.isFinite(v) ? `${v} (a number beyond the double range)` : JSON.stringify(v));

export class ConfigReader {
  readonly used = new Set<string>();
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    readonly path: string,
    readonly modelType: string,
    readonly raw: Readonly<Record<string, Json>>,
    readonly defaults: Readonly<Record<string, Json>>,
  ) {}

  /** Whether the file states the field (null included: `"q_lora_rank": null` is a statement). */
  has(field: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.raw, field);
  }

  /** The field as transformers sees it: the file's value, else the class default (undefined: neither). */
  value(field: string): Json | undefined {
    this.used.add(field);
    return this.has(field) ? this.raw[field] : this.defaults[field];
  }

  /** Mark fields as accounted for without reading them (their meaning is handled elsewhere). */
  use(...fields: string[]): void {
    for (const f of fields) this.used.add(f);
  }

  private required(field: string): Json | undefined {
    const v = this.value(field);
    if (v === undefined) this.diagnostics.push(createDiagnostic('MOE7007', { args: { path: this.path, field, modelType: this.modelType } }));
    return v;
  }

  bad(field: string, value: unknown, expected: string): undefined {
    this.diagnostics.push(createDiagnostic('MOE7002', { args: { path: this.path, field, value: show(value), expected } }));
    return undefined;
  }

  /** A whole number in [min, max]; null/absent without default → required error (unless optional). */
  int(field: string, min = 1, optional = false, max = Number.MAX_SAFE_INTEGER): number | undefined {
    const v = optional ? this.value(field) : this.required(field);
    if (v === undefined || (optional && v === null)) return undefined;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max) {
      return this.bad(field, v, max < Number.MAX_SAFE_INTEGER ? `it must be a whole number in [${min}, ${max}]` : `it must be a whole number ≥ ${min}`);
    }
    return v;
  }

  /**
   * `num_hidden_layers` when it is usable for per-layer lists (the language's limit, 10,000),
   * else undefined (the shape codec reports it); codecs size arrays by it only through here.
   */
  layers(): number | undefined {
    const v = this.has('num_hidden_layers') ? this.raw.num_hidden_layers : this.defaults.num_hidden_layers;
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 1 && v <= MAX_LAYERS ? v : undefined;
  }

  /** A finite number (> 0 unless `allowZero`). */
  num(field: string, allowZero = false, optional = false): number | undefined {
    const v = optional ? this.value(field) : this.required(field);
    if (v === undefined || (optional && v === null)) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
      return this.bad(field, v, `it must be a number ${allowZero ? '≥' : '>'} 0`);
    }
    return v;
  }

  bool(field: string): boolean | undefined {
    const v = this.required(field);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') return this.bad(field, v, 'it must be true or false');
    return v;
  }

  str(field: string, optional = false): string | undefined {
    const v = optional ? this.value(field) : this.required(field);
    if (v === undefined || (optional && v === null)) return undefined;
    if (typeof v !== 'string') return this.bad(field, v, 'it must be a string');
    return v;
  }

  /** MOE7003: the value changes the function and moec cannot state it. */
  refuse(field: string, value: unknown, why: string): void {
    this.diagnostics.push(createDiagnostic('MOE7003', { args: { path: this.path, field, value: show(value), why } }));
  }

  /** MOE7004: transformers' native class ignores the field, though its value suggests otherwise. */
  ignored(field: string, value: unknown, why: string): void {
    this.diagnostics.push(createDiagnostic('MOE7004', { args: { path: this.path, field, value: show(value), why } }));
  }

  /** MOE7006: transformers versions compute different functions for this value; `why` says which moec follows. */
  versions(field: string, value: unknown, why: string): void {
    this.diagnostics.push(createDiagnostic('MOE7006', { args: { path: this.path, field, value: show(value), why } }));
  }

  /** MOE7008: the value is restated in moec's units. */
  converted(field: string, value: unknown, key: string, converted: string, why: string): void {
    this.diagnostics.push(createDiagnostic('MOE7008', { args: { path: this.path, field, value: show(value), key, converted, why } }));
  }
}
