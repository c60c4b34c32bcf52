/**
 * Megatron-Core target — one command-line argument and how it is written. Every argument names a
 * flag of the pinned table (flags-core_v0.19.0.ts), so an unknown flag does not type-check, and
 * `checkArg` holds each value to the flag's argparse type and choices: an emitter bug becomes a
 * compiler error here, not a launch that dies in argparse on the cluster.
 */
import { FLAGS, type Flag } from './flags-core_v0.19.0.js';

export interface Arg {
  flag: Flag;
  /** Values after the flag (none for a switch). */
  values: string[];
  /** Why the argument is there when the reason is not the spec key itself (a Megatron default moec overrides). */
  note?: string;
}

/**
 * A number as Python's int()/float() read it back exactly: JavaScript's shortest round-trip
 * form (`0.0001`, `1e-7`), which is also Python's repr for the same double — except whole
 * numbers from 1e21 up, which JavaScript writes as `1e+21`: int() refuses that (an `--rotary-base`
 * of 1e21 is a valid spec), so they are written out in full digits, which float() reads too.
 */
export function num(value: number): string {
  return Number.isInteger(value) && Math.abs(value) >= 1e21 ? BigInt(value).toString() : String(value);
}

export function arg(flag: Flag, value?: string | number | readonly (string | number)[], note?: string): Arg {
  const values = value === undefined ? [] : (Array.isArray(value) ? value : [value]).map((v) => (typeof v === 'number' ? num(v) : String(v)));
  const a: Arg = { flag, values };
  if (note) a.note = note;
  checkArg(a);
  return a;
}

/**
 * An argument that restates or overrides a Megatron default: the note names Megatron's default
 * only when the value differs from it (then the emitted run would differ without the flag).
 */
export function over(flag: Flag, value: string | number, why?: string): Arg {
  const d = FLAGS[flag].default;
  const differs = d === null || String(d) !== (typeof value === 'number' ? num(value) : value) && Number(d) !== Number(value);
  const note = differs ? [`Megatron defaults to ${d === null ? 'none' : String(d)}`, why].filter(Boolean).join('; ') : why;
  return arg(flag, value, note);
}

/** A computed value (lr ÷ warmup) rounded to 12 significant digits, so it reads as the number it is. */
export function computed(value: number): number {
  return Number(value.toPrecision(12));
}

const INT = /^-?\d+$/;
const FLOAT = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;
/** Megatron's list expressions: `_eval_pattern` allows only these characters (arguments.py). */
const PATTERN = /^[,\d[\]()+*]+$/;

/** Throws on a value argparse would reject: that is an emitter bug, never a user error. */
export function checkArg(a: Arg): void {
  const spec = FLAGS[a.flag];
  const fail = (why: string) => {
    throw new Error(`Megatron argument ${a.flag} ${a.values.join(' ')}: ${why}`);
  };
  if (spec.action !== 'store') {
    if (a.values.length) fail('a switch takes no value');
    return;
  }
  const many = 'nargs' in spec;
  if (a.values.length === 0 || (!many && a.values.length > 1)) fail(`takes ${many ? 'one or more values' : 'one value'}`);
  for (const v of a.values) {
    if ('choices' in spec && !(spec.choices as readonly (string | number)[]).includes(v)) fail(`not one of ${spec.choices.join(', ')}`);
    const type = 'type' in spec ? spec.type : 'str';
    if (type === 'int' && !INT.test(v)) fail('not an integer');
    if (type === 'float' && !FLOAT.test(v)) fail('not a number');
    if (type === 'pattern' && !INT.test(v) && !PATTERN.test(v)) fail('not an integer or a list expression');
    if (type === 'tuple' && !/^-?\d+(,-?\d+)*$/.test(v)) fail('not a tuple of integers');
  }
}

/** The argument as argv words. */
export function argv(a: Arg): string[] {
  return [a.flag, ...a.values];
}
