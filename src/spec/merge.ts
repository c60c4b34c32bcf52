/**
 * Phase: imports/extends. Deep merge of spec layers (extends base → imports → own body), with
 * their SpanMaps kept in step so every value still points at the file that set it.
 * Objects merge key by key, the later layer winning; anything else (numbers, strings, lists,
 * ranges) is replaced whole — a child's `layers [0, 2]` never mixes with its base's list.
 */
import { pointer, type SpanMap } from './spans.js';
import type { SpecObject } from './lower-ast.js';

export interface Layer {
  spec: SpecObject;
  spans: SpanMap;
}

/** Assign an own property even for `__proto__` (a legal key in every spec syntax). */
export function setOwn(target: SpecObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const isObject = (v: unknown): v is SpecObject => typeof v === 'object' && v !== null && !Array.isArray(v);

function dropSpansUnder(spans: SpanMap, ptr: string): void {
  const prefix = ptr + '/';
  for (const key of [...spans.keys()]) if (key.startsWith(prefix)) spans.delete(key);
}

function mergeInto(target: SpecObject, source: SpecObject, path: string[], spans: SpanMap): void {
  for (const [key, value] of Object.entries(source)) {
    const current = Object.hasOwn(target, key) ? target[key] : undefined;
    if (isObject(current) && isObject(value)) {
      mergeInto(current, value, [...path, key], spans);
    } else {
      if (current !== undefined) dropSpansUnder(spans, pointer([...path, key]));
      setOwn(target, key, structuredClone(value));
    }
  }
}

/** Merge `layers` in order into a new layer (inputs are not modified). */
export function mergeLayers(layers: readonly Layer[]): Layer {
  const out: Layer = { spec: {}, spans: new Map() };
  for (const layer of layers) {
    mergeInto(out.spec, layer.spec, [], out.spans);
    for (const [ptr, span] of layer.spans) out.spans.set(ptr, span);
  }
  return out;
}
