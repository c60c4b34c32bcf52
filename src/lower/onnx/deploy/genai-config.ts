/**
 * ONNX output — `genai_config.json` for onnxruntime-genai, in the format of its configuration
 * reference (onnxruntime docs/genai/reference/config.md) and as src/config.h / src/models/
 * kv_cache.cpp read it: the decoder's file and I/O names (the names of decoder-interface.ts),
 * heads, kv heads, head_size, layers, and search defaults.
 * - `type: "decoder"` is onnxruntime-genai's generic decoder-only type (ModelType::IsLLM), so no
 *   model-specific behaviour is assumed.
 * - `past_present_share_buffer: false`: the graph appends to its past with Concat and returns a
 *   longer present; a shared fixed-size buffer needs GroupQueryAttention, which moec does not emit.
 * - Its DefaultKeyValueCache allocates keys and values with one `head_size`, so a model whose key
 *   and value widths differ (MLA) has no genai_config.json (`genaiMisfit` says why).
 * onnxruntime-genai has no Node package; this file is written to the reference, not run here.
 */
import type { ModelIR } from '../../../ir/types.js';
import { cacheDims, INPUT_IDS, ATTENTION_MASK, POSITION_IDS, LOGITS } from '../decoder-interface.js';
import { specialTokens } from './tokenizer-files.js';

export function genaiMisfit(ir: ModelIR): string | undefined {
  const dims = ir.layers.map((l) => cacheDims(l.attention));
  if (dims.some((d) => d.key !== d.value)) return `keys are ${dims[0].key} wide and values ${dims[0].value}; onnxruntime-genai caches both with one head_size`;
  if (dims.some((d) => d.heads !== dims[0].heads || d.key !== dims[0].key)) return 'layers differ in cache heads or width';
  return undefined;
}

export function genaiConfigJson(ir: ModelIR, modelFile: string): object {
  const a = ir.layers[0].attention;
  const { eos, pad } = specialTokens(ir.vocab);
  return {
    model: {
      bos_token_id: eos ?? pad,
      context_length: ir.context,
      decoder: {
        session_options: { log_id: 'onnxruntime-genai', provider_options: [] },
        filename: modelFile,
        head_size: a.headDim,
        hidden_size: ir.hidden,
        inputs: {
          input_ids: INPUT_IDS,
          attention_mask: ATTENTION_MASK,
          position_ids: POSITION_IDS,
          past_key_names: 'past_key_values.%d.key',
          past_value_names: 'past_key_values.%d.value',
        },
        outputs: { logits: LOGITS, present_key_names: 'present.%d.key', present_value_names: 'present.%d.value' },
        num_attention_heads: a.heads,
        num_hidden_layers: ir.layers.length,
        num_key_value_heads: a.kvHeads,
      },
      ...(eos !== undefined ? { eos_token_id: eos } : {}),
      pad_token_id: pad,
      type: 'decoder',
      vocab_size: ir.vocab,
    },
    search: {
      diversity_penalty: 0.0,
      do_sample: false,
      early_stopping: true,
      length_penalty: 1.0,
      max_length: ir.context,
      min_length: 0,
      no_repeat_ngram_size: 0,
      num_beams: 1,
      num_return_sequences: 1,
      past_present_share_buffer: false,
      repetition_penalty: 1.0,
      temperature: 1.0,
      top_k: 1,
      top_p: 1.0,
    },
  };
}
