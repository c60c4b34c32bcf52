/**
 * HF bridge — what one Hugging Face `model_type` is to moec: the configuration class's
 * defaults, the codecs that read its fields into the spec and write the IR back into them, and
 * its checkpoint key table. Import and export walk the same codec list and the same key table,
 * so what one writes the other reads (tested: `import(export(x))` is `x` bit for bit).
 *
 * A codec owns a group of config fields (`fields`) and both directions for them:
 * `read` (config → spec keys, with diagnostics for what the spec cannot state) and `write`
 * (IR → config fields, with refusals for what the model_type cannot hold).
 */
import type { ModelIR } from '../../ir/types.js';
import type { ConfigReader, Json } from './config-reader.js';
import type { ConfigWriter } from './config-writer.js';
import type { KeyTableOptions, KeyRow } from './keys/key-row.js';
import type { SpecDraft } from './spec-draft.js';

export interface Codec {
  /** The config fields this codec accounts for (read, or deliberately ignored with a reason). */
  readonly fields: readonly string[];
  read(c: ConfigReader, s: SpecDraft): void;
  write(ir: ModelIR, w: ConfigWriter): void;
}

export interface HfModelType {
  modelType: string;
  architecture: string;
  /** The transformers files this table was read from (file @ stored commit). */
  source: string;
  /** The configuration class's defaults for fields a config.json leaves out. */
  defaults: Readonly<Record<string, Json>>;
  /**
   * The class's `attribute_map` as alias → the field moec reads: transformers stores a value set
   * under either name in one attribute, and a config saved by a version whose class maps the
   * field the other way round writes the other name (v5's qwen3_moe saves `num_local_experts`).
   */
  aliases?: Readonly<Record<string, string>>;
  codecs: readonly Codec[];
  /** Checkpoint key rows (HF key ↔ IR name + transform), given the layout options a config implies. */
  keys(options: KeyTableOptions): readonly KeyRow[];
  /** Layout options from the config (e.g. DeepSeek's rope_interleave). */
  keyOptions(config: Readonly<Record<string, Json>>): KeyTableOptions;
}
