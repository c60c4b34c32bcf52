/**
 * ONNX lowering — a small typed builder over onnx-proto. Every emitter file (attention, MoE,
 * quantized linears, …) appends nodes and initializers through one `GraphBuilder`, so:
 * - names are unique and deterministic: a node's outputs are `<scope>/<Op>_<n>` where `n`
 *   counts per scope and op in emission order, never from a global random or clock;
 * - initializers that carry IR parameters keep the IR tensor name (checkpoint keys);
 * - small constants (shapes, axes, scalars) are initializers deduplicated by content;
 * - weight initializers may be *deferred* (initializer-data.ts): the proto has no data yet and
 *   `deferred` says how to compute it when the model is written.
 */
import onnxProto from 'onnx-proto';
import type { DeferredData } from './initializer-data.js';

export const { onnx } = onnxProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type TensorProto = onnxProto.onnx.ITensorProto;
export type ModelProto = onnxProto.onnx.ModelProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;
export type OperatorSetIdProto = onnxProto.onnx.IOperatorSetIdProto;

/** ONNX TensorProto.DataType values (INT4/UINT4 are missing from onnx-proto's enum; the fields are plain integers). */
export const DT = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  BFLOAT16: 16,
  UINT4: 21,
  INT4: 22,
} as const;
export type DataType = (typeof DT)[keyof typeof DT];

/** Marks a float attribute (a bare number is an INT attribute). */
export class FloatAttr {
  constructor(readonly value: number) {}
}
export const f = (value: number): FloatAttr => new FloatAttr(value);

export type AttrValue = number | number[] | string | FloatAttr | FloatAttr[] | TensorProto;

const AT = onnx.AttributeProto.AttributeType;

function attribute(name: string, v: AttrValue): onnxProto.onnx.IAttributeProto {
  if (v instanceof FloatAttr) return { name, type: AT.FLOAT, f: v.value };
  if (typeof v === 'string') return { name, type: AT.STRING, s: Buffer.from(v, 'utf8') };
  if (typeof v === 'number') return { name, type: AT.INT, i: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && v[0] instanceof FloatAttr) return { name, type: AT.FLOATS, floats: (v as FloatAttr[]).map((x) => x.value) };
    return { name, type: AT.INTS, ints: v as number[] };
  }
  return { name, type: AT.TENSOR, t: v };
}

/** Raw little-endian bytes of a typed array (copied, so later mutation cannot change the model). */
export function rawBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
}

export interface OpOptions {
  /** Number of outputs (default 1). */
  outputs?: number;
  domain?: string;
  /** Explicit output names (e.g. the graph output `logits`). */
  names?: string[];
}

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  /** Initializers (by name) whose bytes are computed when written. */
  readonly deferred = new Map<string, DeferredData>();
  /** Opset domains used besides the default one ('' → version is the model's). */
  readonly domains = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly constants = new Map<string, string>();
  private readonly initNames = new Set<string>();
  private scopes: string[] = [];

  /** Run `body` with node names prefixed by `name` (e.g. `layers.3.moe`). */
  scope<T>(name: string, body: () => T): T {
    this.scopes.push(name);
    try {
      return body();
    } finally {
      this.scopes.pop();
    }
  }

  private fresh(base: string): string {
    // A scope that the next one extends (`layers.0.moe` → `layers.0.moe.experts.3`) adds nothing.
    const path = this.scopes.filter((s, i) => !this.scopes[i + 1]?.startsWith(s));
    const prefix = path.length ? `${path.join('/')}/${base}` : base;
    const n = this.counters.get(prefix) ?? 0;
    this.counters.set(prefix, n + 1);
    return n === 0 ? prefix : `${prefix}_${n}`;
  }

  /** Append one node; returns its output names. */
  opN(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, options: OpOptions = {}): string[] {
    const name = this.fresh(opType);
    const count = options.names?.length ?? options.outputs ?? 1;
    const outputs = options.names ?? Array.from({ length: count }, (_, i) => (i === 0 ? name : `${name}:${i}`));
    const node: NodeProto = {
      name,
      opType,
      input: inputs,
      output: outputs,
      attribute: Object.keys(attrs)
        .sort()
        .map((k) => attribute(k, attrs[k])),
    };
    if (options.domain) {
      node.domain = options.domain;
      this.domains.add(options.domain);
    }
    this.nodes.push(node);
    return outputs;
  }

  /** Append a single-output node; returns the output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, options: OpOptions = {}): string {
    return this.opN(opType, inputs, attrs, options)[0];
  }

  /** Add a named initializer from raw or deferred bytes (the name is kept as given: IR names are checkpoint keys). */
  initializer(name: string, dataType: number, dims: number[], raw: Uint8Array | DeferredData): string {
    if (this.initNames.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.initNames.add(name);
    if (raw instanceof Uint8Array) this.initializers.push({ name, dataType, dims, rawData: raw });
    else {
      this.initializers.push({ name, dataType, dims });
      this.deferred.set(name, raw);
    }
    return name;
  }

  hasInitializer(name: string): boolean {
    return this.initNames.has(name);
  }

  /** A float32 initializer. */
  floatInit(name: string, dims: number[], data: Float32Array): string {
    return this.initializer(name, DT.FLOAT, dims, rawBytes(data));
  }

  private constant(kind: string, dataType: number, dims: number[], raw: Uint8Array, label: string): string {
    const key = `${kind}|${dims.join(',')}|${Buffer.from(raw).toString('base64')}`;
    const found = this.constants.get(key);
    if (found) return found;
    const name = `const/${label}_${this.constants.size}`;
    this.constants.set(key, name);
    return this.initializer(name, dataType, dims, raw);
  }

  /** An int64 constant; `dims` default: 1-D of the values' length. Scalars: dims []. */
  i64(values: number[], dims: number[] = [values.length]): string {
    const data = BigInt64Array.from(values.map((v) => BigInt(v)));
    return this.constant('i64', DT.INT64, dims, rawBytes(data), 'i64');
  }

  /** A uint8 constant (scalar by default). */
  u8(values: number[], dims: number[] = []): string {
    return this.constant('u8', DT.UINT8, dims, Uint8Array.from(values), 'u8');
  }

  /** A float64 scalar constant. */
  f64(value: number): string {
    return this.constant('f64', DT.DOUBLE, [], rawBytes(Float64Array.of(value)), 'f64');
  }

  /** A bool constant (scalar by default). */
  bool(values: boolean[], dims: number[] = []): string {
    return this.constant('bool', DT.BOOL, dims, Uint8Array.from(values.map(Number)), 'bool');
  }

  /** A tensor value for attributes (ConstantOfShape's `value`: one element, 1-D). */
  tensorValue(dataType: number, dims: number[], raw: Uint8Array): TensorProto {
    return { dataType, dims, rawData: raw };
  }

  /** A float32 constant; `dims` default: scalar when one value, else 1-D. */
  f32(values: number[] | Float32Array, dims?: number[]): string {
    const data = Float32Array.from(values);
    const shape = dims ?? (data.length === 1 ? [] : [data.length]);
    return this.constant('f32', DT.FLOAT, shape, rawBytes(data), 'f32');
  }

  // Shorthands for the ops every emitter uses, keeping call sites close to the math.
  add(a: string, b: string): string {
    return this.op('Add', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('Div', [a, b]);
  }
  matmul(a: string, b: string): string {
    return this.op('MatMul', [a, b]);
  }
  reshape(x: string, shape: number[]): string {
    return this.op('Reshape', [x, this.i64(shape)]);
  }
  transpose(x: string, perm: number[]): string {
    return this.op('Transpose', [x], { perm });
  }
  /** Slice along one axis; `end` may be a tensor name for dynamic ends. */
  slice(x: string, axis: number, start: number | string, end: number | string): string {
    const s = typeof start === 'number' ? this.i64([start]) : start;
    const e = typeof end === 'number' ? this.i64([end]) : end;
    return this.op('Slice', [x, s, e, this.i64([axis])]);
  }
  unsqueeze(x: string, axes: number[]): string {
    return this.op('Unsqueeze', [x, this.i64(axes)]);
  }
  squeeze(x: string, axes: number[]): string {
    return this.op('Squeeze', [x, this.i64(axes)]);
  }
  concat(xs: string[], axis: number): string {
    return this.op('Concat', xs, { axis });
  }
  cast(x: string, to: number): string {
    return this.op('Cast', [x], { to });
  }
  /** `Shape(x)[start:end]` as a 1-D int64 tensor. */
  shape(x: string, start?: number, end?: number): string {
    const attrs: Record<string, AttrValue> = {};
    if (start !== undefined) attrs.start = start;
    if (end !== undefined) attrs.end = end;
    return this.op('Shape', [x], attrs);
  }
}
