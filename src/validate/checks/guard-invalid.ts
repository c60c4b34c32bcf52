/**
 * Validation phase: semantic rules on a spec that failed the JSON Schema in places.
 *
 * "Every error in a spec is reported in one run": a typo in `quantize` must not hide that
 * `top_k` exceeds the expert count. But the rules trust ModelSpec's types, so they must never
 * read a value the schema rejected. The spec is wrapped in a proxy that knows the rejected
 * JSON pointers; a rule that reads one (or anything below it) is abandoned, with its findings,
 * and the rules that never touch a rejected value run as usual. Unknown keys are hidden from
 * the rules altogether (they see the spec without them). Which values a rule reads is
 * observed, not declared, so a new rule needs no bookkeeping.
 */
import type { ErrorObject } from 'ajv';

/** Thrown through a rule that read a rejected value; caught by the rule runner. */
export const REJECTED_VALUE_READ: unique symbol = Symbol('rejected value read');

export interface Rejected {
  /** Pointers to values the schema rejected, or required values that are missing. */
  values: Set<string>;
  /** Pointers to unknown keys: invisible to the rules. */
  unknown: Set<string>;
}

export function rejectedPointers(errors: readonly ErrorObject[]): Rejected {
  const out: Rejected = { values: new Set(), unknown: new Set() };
  for (const e of errors) {
    if (e.keyword === 'additionalProperties') {
      out.unknown.add(`${e.instancePath}/${escape((e.params as { additionalProperty: string }).additionalProperty)}`);
    } else if (e.keyword === 'required') {
      out.values.add(`${e.instancePath}/${escape((e.params as { missingProperty: string }).missingProperty)}`);
    } else {
      out.values.add(e.instancePath);
    }
  }
  return out;
}

const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** `value` seen through a proxy that hides unknown keys and throws on reading a rejected value. */
export function guardRejected<T>(value: T, rejected: Rejected, at = ''): T {
  if (rejected.values.has(at)) throw REJECTED_VALUE_READ;
  if (value === null || typeof value !== 'object') return value;
  const hidden = (key: string | symbol) => typeof key === 'string' && rejected.unknown.has(`${at}/${escape(key)}`);
  return new Proxy(value as object, {
    get(target, key, receiver) {
      if (hidden(key)) return undefined;
      const v = Reflect.get(target, key, receiver);
      const own = typeof key === 'string' && Object.prototype.hasOwnProperty.call(target, key);
      const missing = typeof key === 'string' && rejected.values.has(`${at}/${escape(key)}`);
      return own || missing ? guardRejected(v, rejected, `${at}/${escape(key as string)}`) : v;
    },
    has: (target, key) => !hidden(key) && Reflect.has(target, key),
    ownKeys: (target) => Reflect.ownKeys(target).filter((key) => !hidden(key)),
    getOwnPropertyDescriptor: (target, key) => (hidden(key) ? undefined : Reflect.getOwnPropertyDescriptor(target, key)),
  }) as T;
}
