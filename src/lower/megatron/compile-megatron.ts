/**
 * Megatron-Core target — the entry point of `moec compile --target megatron`: IR + launch
 * settings → `dir/train.sh`, `dir/args.json`, `dir/README.md`. Every file is rendered before any
 * is written, and each is written to a temporary sibling and renamed into place, so a failure
 * never leaves a half-written launch.
 */
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { replaceFileAtomic } from '../../checkpoint/fs-atomic.js';
import { createDiagnostic, type Diagnostic } from '../../diagnostics/diagnostic.js';
import type { ModelIR } from '../../ir/types.js';
import { buildLaunch, type MegatronLaunch } from './launch.js';
import type { LaunchOptions } from './launch-options.js';
import { renderArgsJson, renderReadme } from './render-docs.js';
import { renderTrainSh } from './render-train-sh.js';

export interface MegatronArtifacts {
  launch: MegatronLaunch;
  /** File name → contents. */
  files: Record<'train.sh' | 'args.json' | 'README.md', string>;
}

export function renderMegatron(ir: ModelIR, options: LaunchOptions): MegatronArtifacts {
  const launch = buildLaunch(ir, options);
  return { launch, files: { 'train.sh': renderTrainSh(launch), 'args.json': renderArgsJson(launch), 'README.md': renderReadme(launch) } };
}

export interface MegatronSummary {
  target: 'megatron';
  dir: string;
  files: string[];
  megatronCore: string;
  arguments: number;
  world: number;
}

export function compileMegatron(ir: ModelIR, options: LaunchOptions, dir: string): { summary?: MegatronSummary; diagnostics: Diagnostic[] } {
  const { launch, files } = renderMegatron(ir, options);
  const written: string[] = [];
  let path = dir;
  try {
    mkdirSync(dir, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      path = join(dir, name);
      replaceFileAtomic(path, text);
      written.push(path);
    }
    chmodSync(join(dir, 'train.sh'), 0o755);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return { diagnostics: [createDiagnostic('MOE9004', { args: { path, reason } })] };
  }
  const summary: MegatronSummary = {
    target: 'megatron',
    dir,
    files: written,
    megatronCore: launch.megatronCore.tag,
    arguments: launch.groups.reduce((n, g) => n + g.args.length, 0),
    world: launch.world,
  };
  return { summary, diagnostics: [] };
}
