/**
 * CLI (`moec init`): the specs a new one can start from — the specs shipped in specs/ (each
 * with its provenance in its header comment), by file name or a short alias. The table is the
 * contract of `moec init --from`; test/cli/init.test.ts checks it lists every shipped spec.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Preset {
  /** File in specs/, without `.moe`. */
  file: string;
  /** Shorter names `--from` accepts. */
  aliases: readonly string[];
  summary: string;
}

export const PRESETS: readonly Preset[] = [
  { file: 'tiny', aliases: [], summary: 'a small MoE that trains in seconds on a CPU (the default)' },
  { file: 'mixtral-8x7b', aliases: ['mixtral'], summary: 'Mixtral 8x7B: 8 experts, top 2, GQA' },
  { file: 'deepseek-v3', aliases: [], summary: 'DeepSeek-V3: MLA, 256 experts + 1 shared, sigmoid group-limited routing, MTP' },
  { file: 'deepseek-v2-lite', aliases: [], summary: 'DeepSeek-V2-Lite: MLA, 64 experts + 2 shared' },
  { file: 'deepseek-moe-16b', aliases: ['deepseek-moe'], summary: 'DeepSeekMoE 16B: fine-grained experts + shared experts' },
  { file: 'qwen1.5-moe-a2.7b', aliases: ['qwen-moe', 'qwen1.5-moe'], summary: 'Qwen1.5-MoE-A2.7B: 60 experts, gated shared expert' },
  { file: 'olmoe-1b-7b', aliases: ['olmoe'], summary: 'OLMoE-1B-7B: 64 experts, top 8, QK-norm' },
  { file: 'gpt-oss-20b', aliases: ['gpt-oss'], summary: 'gpt-oss-20b: 32 experts with biases, sliding window, attention sinks' },
];

/** Every name `--from` accepts, for commander's choices. */
export const PRESET_NAMES: readonly string[] = PRESETS.flatMap((p) => [p.file, ...p.aliases]);

export function findPreset(name: string): Preset | undefined {
  return PRESETS.find((p) => p.file === name || p.aliases.includes(name));
}

/** The shipped specs/ directory, found relative to this module in src/ or dist/ (or an installed package). */
export function presetDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'specs', 'tiny.moe'))) return join(dir, 'specs');
    dir = dirname(dir);
  }
  return join(process.cwd(), 'specs');
}
