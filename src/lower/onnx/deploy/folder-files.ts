/**
 * ONNX output — the names of the files a model folder (write-folder.ts) writes at its top level:
 * its JSON configs and the tokenizer files (model-tokenizer.ts copies). Kept apart from the
 * writer so the CLI can refuse, before loading anything heavy, a folder whose files are inputs
 * (`-o` the Hugging Face directory the weights come from). test/cli/compile-guard.test.ts checks
 * the list against what a compile writes.
 */
export const FOLDER_TOP_FILES: readonly string[] = [
  'config.json',
  'generation_config.json',
  'genai_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'chat_template.jinja',
];
