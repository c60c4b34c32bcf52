/**
 * HF bridge (export) — the config.json an export builds, and its text exactly as transformers
 * writes it (`PretrainedConfig.to_json_string`: `json.dumps(config_dict, indent=2,
 * sort_keys=True) + "\n"`). Python distinguishes `1000000.0` from `1000000`; a value set with
 * `float()` prints as Python prints a float (repr: shortest round-trip digits, `1e-05`, `.0`).
 * Refusals (what the model_type cannot hold) are collected, not thrown.
 */

import type { Diagnostic } from '../../diagnostics/diagnostic.js';

/** A number Python holds as float. */
export class PyFloat {
  constructor(readonly value: number) {}
}

export type ConfigValue = null | boolean | number | string | PyFloat | ConfigValue[] | { [key: string]: ConfigValue };

export const float = (v: number): PyFloat => new PyFloat(v);

export interface Refusal {
  /** What the model_type cannot hold, in spec terms (`attention.qk_norm full`). */
  what: string;
  why: string;
}

export class ConfigWriter {
  readonly fields: Record<string, ConfigValue> = {};
  readonly refusals: Refusal[] = [];
  /** Findings of the shared router conversion (router-losses-hf.ts: MOE3810–3812). */
  readonly findings: Diagnostic[] = [];

  constructor(readonly modelType: string) {}

  set(field: string, value: ConfigValue): void {
    this.fields[field] = value;
  }

  refuse(what: string, why: string): void {
    this.refusals.push({ what, why });
  }

}

/** Python's `repr(float)`: shortest round-trip digits; exponent form below 1e-4 and from 1e16. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(x);
  if (abs >= 1e16 || abs < 1e-4) {
    const [mantissa, exp] = x.toExponential().split('e') as [string, string];
    const e = Number(exp);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  const s = String(x);
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** `json.dumps(value, indent=2, sort_keys=True)` (ensure_ascii; keys are ASCII field names here). */
export function pythonConfigJson(value: ConfigValue, level = 0): string {
  const pad = (n: number) => '  '.repeat(n);
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof PyFloat) return pyFloatRepr(value.value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return pyFloatRepr(value);
    return String(value);
  }
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => pad(level + 1) + pythonConfigJson(v, level + 1)).join(',\n')}\n${pad(level)}]`;
  }
  const keys = Object.keys(value).sort();
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${pad(level + 1)}${JSON.stringify(k)}: ${pythonConfigJson(value[k]!, level + 1)}`).join(',\n')}\n${pad(level)}}`;
}
