/**
 * HF bridge codec — config fields that do not change the function the model computes, each
 * with the reason it is not in the spec (the import writes them into the spec's header, so
 * nothing is dropped silently), and the fields an export writes for the loaders' sake.
 */
import { createDiagnostic } from '../../../diagnostics/diagnostic.js';
import { VERSION } from '../../../version.js';
import type { Codec } from '../model-type.js';

export const NOT_ARCHITECTURE: Readonly<Record<string, string>> = {
  architectures: 'the class transformers instantiates (the model_type decides the function)',
  model_type: 'read to choose the mapping',
  transformers_version: 'the version that saved the file',
  torch_dtype: 'storage dtype of the checkpoint (moec computes in float32; --weights converts)',
  dtype: 'storage dtype of the checkpoint (transformers v5 name)',
  _name_or_path: 'where the model was loaded from',
  auto_map: "remote-code classes; moec follows transformers' native class",
  bos_token_id: 'a tokenizer setting',
  eos_token_id: 'a tokenizer setting',
  pad_token_id: 'a tokenizer setting',
  use_cache: 'a runtime switch (moec ONNX models always have a KV cache)',
  initializer_range: "the init of a new model (moec's init: docs/weights.md)",
  attention_dropout: 'training-time dropout on attention probabilities (moec has train.dropout)',
  pretraining_tp: 'a tensor-parallel slicing of the same computation',
  ep_size: "an expert-parallel layout of DeepSeek's remote code",
  quantization_config: 'how the checkpoint stores weights (moec compile --weights dequantizes)',
  rope_interleave: 'the checkpoint layout of DeepSeek rope rows (moec compile --weights reorders them)',
  initial_context_length: "gpt-oss's original context, also rope_scaling.original_max_position_embeddings",
  experts_per_token: 'gpt-oss alias of num_experts_per_tok',
  tie_encoder_decoder: 'an encoder-decoder setting',
  moec: 'provenance written by moec export hf',
};

export function metadataCodec(architecture: string, modelType: string): Codec {
  return {
    fields: Object.keys(NOT_ARCHITECTURE),
    read(c, s) {
      const named = c.raw.architectures;
      // A task class of the same model_type (…ForSequenceClassification: a `score` head) shares the decoder only.
      if (Array.isArray(named) && named.length > 0 && !named.includes(architecture)) {
        c.diagnostics.push(createDiagnostic('MOE7011', { args: { path: c.path, found: named.map((n) => JSON.stringify(n)).join(', '), architecture } }));
      }
      const carried = Object.keys(NOT_ARCHITECTURE).filter((f) => c.has(f) && !c.used.has(f));
      for (const f of carried) {
        c.use(f);
        if (f === 'moec' || f === 'architectures' || f === 'model_type' || c.raw[f] === null) continue;
        s.note(`${f} ${JSON.stringify(c.raw[f])}: ${NOT_ARCHITECTURE[f]}`);
      }
    },
    write(ir, w) {
      w.set('architectures', [architecture]);
      w.set('model_type', modelType);
      w.set('bos_token_id', null);
      w.set('eos_token_id', null);
      w.set('pad_token_id', null);
      w.set('use_cache', true);
      w.set('moec', { name: ir.name, spec_sha256: ir.specHash, architecture_sha256: ir.architectureHash, version: VERSION });
    },
  };
}
