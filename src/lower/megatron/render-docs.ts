/**
 * Megatron-Core target — args.json (the launch, machine-readable: the same arguments as train.sh
 * in the same order, with the pinned release) and README.md (which release the arguments are
 * for, how to run them, how to bring weights). Deterministic: same launch, same bytes.
 */
import type { MegatronLaunch } from './launch.js';
import { launchArgv } from './launch.js';

export function renderArgsJson(launch: MegatronLaunch): string {
  const doc = {
    format: 'moec-megatron-launch/1',
    megatron_core: launch.megatronCore,
    spec: { name: launch.name, sha256: launch.specHash },
    launcher: { program: 'pretrain_gpt.py', nnodes: launch.nodes, nproc_per_node: launch.gpusPerNode, world_size: launch.world },
    env: launch.env,
    groups: launch.groups.map((g) => ({ block: g.block, title: g.title, args: g.args.map((a) => ({ flag: a.flag, values: a.values, ...(a.note ? { note: a.note } : {}) })) })),
    argv: launchArgv(launch),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}

export function renderReadme(launch: MegatronLaunch): string {
  const { tag, commit } = launch.megatronCore;
  const mock = launchArgv(launch).includes('--mock-data');
  const fsdp = launchArgv(launch).includes('--use-megatron-fsdp');
  return [
    `# ${launch.name} — Megatron-Core launch`,
    '',
    `Written by \`moec compile --target megatron\` for **Megatron-Core ${tag}**`,
    `(NVIDIA/Megatron-LM commit \`${commit}\`). Most Megatron flags are generated from its config`,
    'dataclasses and move between releases: run these arguments with that release.',
    '',
    '- `train.sh` — the torchrun launch of `pretrain_gpt.py`, one argument per line, grouped by spec block.',
    '- `args.json` — the same arguments, machine-readable (`argv` is the exact argument list).',
    '',
    '## Run',
    '',
    '```sh',
    `git clone https://github.com/NVIDIA/Megatron-LM && git -C Megatron-LM checkout ${tag}`,
    '# on every node (NODE_RANK 0 … NNODES−1), inside an NGC PyTorch container with Transformer Engine:',
    `MEGATRON_LM=$PWD/Megatron-LM NODE_RANK=0 MASTER_ADDR=<node 0> bash train.sh`,
    '```',
    '',
    `The layout needs ${launch.world} processes: ${launch.nodes} node(s) × ${launch.gpusPerNode} GPUs`,
    '(`NNODES`, `GPUS_PER_NODE`; the script stops if their product differs). Under SLURM, start one',
    'task per node and set `NODE_RANK=$SLURM_NODEID`, `MASTER_ADDR` to the first node.',
    mock
      ? 'No data was given (`megatron { data [...] }` or `--megatron data=...`), so the run trains on `--mock-data`: a smoke test of the layout.'
      : 'Data: indexed datasets made by Megatron\'s `tools/preprocess_data.py` (`--data-path`).',
    '',
    '## Weights',
    '',
    'The launch starts from fresh weights. To continue from moec weights (a `moec train` run or imported',
    'ones), go through the Hugging Face checkpoint:',
    '',
    '```sh',
    'moec export hf model.moe --weights runs/model -o hf/     # config.json + safetensors',
    'python examples/conversion/convert_checkpoints.py import --hf-model hf/ --megatron-path ckpt/   # in Megatron-Bridge',
    'bash train.sh --load ckpt/ --finetune                    # or megatron { load "ckpt/" }',
    '```',
    '',
    '`convert_checkpoints.py` is NVIDIA-NeMo/Megatron-Bridge\'s (AutoBridge.import_ckpt); it writes a',
    '`torch_dist` checkpoint. `--finetune` loads the weights without optimizer state or iteration.',
    fsdp ? 'This launch runs Megatron-FSDP, which reads `fsdp_dtensor` checkpoints: convert with Megatron-LM\'s `examples/megatron_fsdp/sbatch_checkpoint_convert.sh` first.' : '',
    '',
  ]
    .filter((l, i, all) => !(l === '' && all[i - 1] === ''))
    .join('\n');
}
