/** A hand-made ONNX model for the writer tests: y = x + a + b (+ c …), with float initializers. */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Initializer `name` of `n` floats, element i = i + offset. */
function floats(name: string, n: number, offset: number): onnxProto.onnx.ITensorProto {
  const data = Float32Array.from({ length: n }, (_, i) => i + offset);
  return { name, dataType: 1, dims: [n], rawData: new Uint8Array(data.buffer) };
}

/** `sizes[i]` floats per addend; y[j] = x[j] + Σ_i (j + i). */
export function addModel(sizes: number[]): onnxProto.onnx.ModelProto {
  const n = sizes[0];
  const names = sizes.map((_, i) => `w${i}`);
  const nodes: onnxProto.onnx.INodeProto[] = [];
  let prev = 'x';
  names.forEach((w, i) => {
    const out = i === names.length - 1 ? 'y' : `s${i}`;
    nodes.push({ opType: 'Add', input: [prev, w], output: [out], name: `add${i}` });
    prev = out;
  });
  const vi = (name: string) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: n }] } } } });
  return onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'moec-test',
    graph: { name: 'add', node: nodes, initializer: sizes.map((s, i) => floats(`w${i}`, s, i)), input: [vi('x')], output: [vi('y')] },
  });
}
