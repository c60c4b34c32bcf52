/**
 * HF bridge codec — DeepSeek-V3's multi-token-prediction modules. The Hub config states
 * `num_nextn_predict_layers` and the checkpoint stores module d as layer `num_hidden_layers + d`;
 * transformers' native class skips those weights (`_keys_to_ignore_on_load_unexpected`), so
 * they never change the logits, but they are part of the model moec trains and exports.
 */
import type { Codec } from '../model-type.js';

export const mtpCodec: Codec = {
  fields: ['num_nextn_predict_layers'],
  read(c, s) {
    const d = c.int('num_nextn_predict_layers', 0, true);
    if (d) s.set('/mtp/depth', d, 'num_nextn_predict_layers (transformers skips these layers; moec trains them)');
  },
  write(ir, w) {
    w.set('num_nextn_predict_layers', ir.mtpDepth);
  },
};

export const noMtpCodec: Codec = {
  fields: [],
  read() {},
  write(ir, w) {
    if (ir.mtpDepth > 0) w.refuse(`mtp ${ir.mtpDepth}`, `transformers ${w.modelType} has no multi-token-prediction modules`);
  },
};
