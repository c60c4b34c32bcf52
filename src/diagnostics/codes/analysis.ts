/**
 * Diagnostic codes MOE4xxx (IR resolution and analysis). Codes are stable: never renumber or
 * reuse one; retire a code by leaving it here with `retired: why`. Each is documented in docs/diagnostics.md.
 */
import { defineCodes } from './entry.js';

export const analysisCodes = defineCodes({
  MOE4001: {
    severity: 'error',
    title: 'bad layer selection',
    message: 'layer selection `{text}` {reason}',
    hint: 'layers are numbered 0..{last}; write `all`, `none`, a range `a..b` (inclusive) or a list `[0, 3..5]`',
  },
  MOE4002: {
    severity: 'error',
    title: 'layer is both dense and MoE',
    message: 'layer {layer} is selected by both `dense.layers` and `moe.layers`',
    hint: 'each layer has one FFN: remove it from one of the two selections',
  },
  MOE4003: {
    severity: 'error',
    title: 'layer has no FFN',
    message: 'layer {layer} is not an MoE layer and the spec has no `dense` block',
    hint: 'add `dense { ffn N }` for the non-MoE layers, or select every layer in `moe.layers`',
  },
  MOE4004: {
    severity: 'error',
    title: 'parallel degrees do not multiply to world',
    message: 'world {world} is not data × tensor × pipeline × context = {product}',
    hint: 'set `world` to the product of the degrees, or leave `data` out so it is derived from `world`',
  },
  MOE4005: {
    severity: 'error',
    title: 'more pipeline stages than layers',
    message: '{chunks} pipeline chunks (pipeline {pipeline} × virtual_stages {virtual}) but only {layers} layers',
    hint: 'every pipeline chunk needs at least one layer: lower `pipeline` or `virtual_stages`',
  },
  MOE4006: {
    severity: 'error',
    title: 'experts do not divide over expert ranks',
    message: '{experts} routed experts cannot be split evenly over {expert} expert-parallel ranks',
    hint: 'choose an expert degree that divides {experts}',
  },
  MOE4007: {
    severity: 'error',
    title: 'expert parallelism does not fit the layout',
    message: 'expert × expert_tensor = {ep} does not divide data × tensor × context = {dense}',
    hint: 'expert-parallel ranks are folded onto the data/tensor/context ranks of a stage (Megatron-Core MoE parallel folding); pick degrees so that expert × expert_tensor divides {dense}',
  },
  MOE4008: {
    severity: 'error',
    title: 'model too large to enumerate',
    message: '{layers} layers × {experts} experts make about {tensors} parameter tensors; moec names every tensor and handles at most {limit}',
    hint: 'check the layer and expert counts for a typo (DeepSeek-V3, 61 layers × 256 experts, has about 46,000 tensors)',
  },
  MOE4010: {
    severity: 'error',
    title: 'device memory exceeded',
    message:
      'device memory exceeded on {device}: needs {need} of {have}: over by {over} (weights {weights}, gradients {grads}, optimizer {optim}, activations {acts})',
  },
  MOE4011: {
    severity: 'warning',
    title: 'device memory nearly full',
    message: 'device memory nearly full on {device}: needs {need} of {have} ({percent}%): little headroom for fragmentation, communication buffers and the CUDA context',
    hint: 'keep peak use under ~90% of device memory; frameworks reserve several GiB of their own',
  },
});
