/**
 * Megatron-Core target — the launch: the mapping table applied to a model (from the IR) and the
 * launch settings, grouped by spec block, plus what torchrun and the environment need. One value
 * that train.sh, args.json and the README are all rendered from.
 */
import type { ModelIR } from '../../ir/types.js';
import { argv, type Arg } from './args.js';
import { MEGATRON_CORE } from './flags-core_v0.19.0.js';
import type { LaunchOptions } from './launch-options.js';
import { BLOCKS, MAPPING, type Block } from './mapping/index.js';
import { fromIR, type MegatronModel } from './model-view.js';

export interface ArgGroup {
  block: Block;
  /** The spec keys the group's arguments come from. */
  title: string;
  args: Arg[];
}

export interface MegatronLaunch {
  megatronCore: typeof MEGATRON_CORE;
  name: string;
  specHash: string;
  /** torchrun: nodes × GPUs per node processes = parallel.world. */
  nodes: number;
  gpusPerNode: number;
  world: number;
  /** Environment the launch exports (CUDA_DEVICE_MAX_CONNECTIONS for tensor/context parallelism). */
  env: Record<string, string>;
  groups: ArgGroup[];
}

/**
 * Megatron requires CUDA_DEVICE_MAX_CONNECTIONS=1 with tensor or context parallelism on Hopper
 * and earlier (arguments.py:1413–1439) — harmless on later GPUs — unless FSDP runs, which needs it
 * unset or above 1 (arguments.py:1014, 1143); moec warns MOE8108 about that combination.
 */
export function launchEnv(m: MegatronModel): Record<string, string> {
  const fsdp = m.parallel.zero >= 2;
  return (m.parallel.tensor > 1 || m.parallel.context > 1) && !fsdp ? { CUDA_DEVICE_MAX_CONNECTIONS: '1' } : {};
}

export function buildLaunch(ir: ModelIR, options: LaunchOptions): MegatronLaunch {
  const m = fromIR(ir);
  const groups: ArgGroup[] = [];
  for (const row of MAPPING) {
    const args = row.emit(m, options);
    if (!args.length) continue;
    const last = groups[groups.length - 1];
    if (last?.block === row.block) last.args.push(...args);
    else groups.push({ block: row.block, title: BLOCKS[row.block], args });
  }
  const flags = groups.flatMap((g) => g.args.map((a) => a.flag));
  const repeated = flags.find((f, i) => flags.indexOf(f) !== i);
  if (repeated) throw new Error(`Megatron argument ${repeated} emitted twice`);
  return {
    megatronCore: MEGATRON_CORE,
    name: ir.name,
    specHash: ir.specHash,
    nodes: options.nodes,
    gpusPerNode: options.gpusPerNode,
    world: ir.parallel.world,
    env: launchEnv(m),
    groups,
  };
}

/** The pretrain_gpt.py arguments in order. */
export function launchArgv(launch: MegatronLaunch): string[] {
  return launch.groups.flatMap((g) => g.args.flatMap(argv));
}
