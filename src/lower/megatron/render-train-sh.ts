/**
 * Megatron-Core target — train.sh: a torchrun launch of pretrain_gpt.py, laid out like
 * Megatron-LM's own example scripts (one bash array per group, one argument per line), with the
 * spec block each group comes from as a comment above it and the reason for an override of a
 * Megatron default as a comment beside it. Deterministic: same launch, same bytes.
 */
import { argv } from './args.js';
import type { MegatronLaunch } from './launch.js';

/** A word as bash reads it back unchanged: bare when safe, else single-quoted. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_.,:=+\/@%-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * Text for a `#` comment: a comment ends at the line break, so a line break (or any control
 * character) in spec text — the model name — is written escaped, never as a new shell line
 * that bash would run.
 */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function arrayName(block: string): string {
  return `${block.toUpperCase()}_ARGS`;
}

export function renderTrainSh(launch: MegatronLaunch): string {
  const { megatronCore: mc } = launch;
  const lines: string[] = [
    '#!/usr/bin/env bash',
    `# Megatron-Core launch for \`${commentText(launch.name)}\`, written by \`moec compile --target megatron\``,
    `# (spec sha256 ${launch.specHash}).`,
    `# The arguments are for Megatron-Core ${mc.tag} (NVIDIA/Megatron-LM ${mc.commit.slice(0, 12)}); run it`,
    '# from a Megatron-LM checkout at that tag: MEGATRON_LM (default: the current directory).',
    '# One array per spec block; a comment beside an argument says which Megatron default it overrides.',
    '# Arguments after `bash train.sh` are passed on to pretrain_gpt.py (a repeated flag: the last one wins).',
    'set -euo pipefail',
    '',
  ];
  for (const [key, value] of Object.entries(launch.env)) {
    lines.push(`export ${key}=${shellWord(value)}  # tensor/context parallelism: Megatron asserts it before Blackwell (arguments.py:1437)`);
  }
  if (Object.keys(launch.env).length) lines.push('');
  lines.push(
    `NNODES=\${NNODES:-${launch.nodes}}`,
    `GPUS_PER_NODE=\${GPUS_PER_NODE:-${launch.gpusPerNode}}`,
    'NODE_RANK=${NODE_RANK:-0}',
    'MASTER_ADDR=${MASTER_ADDR:-localhost}',
    'MASTER_PORT=${MASTER_PORT:-29500}',
    'MEGATRON_LM=${MEGATRON_LM:-.}',
    '',
    `if [ "$((NNODES * GPUS_PER_NODE))" -ne ${launch.world} ]; then`,
    `  echo "train.sh: the spec's layout needs ${launch.world} processes (parallel.world), not NNODES x GPUS_PER_NODE = $((NNODES * GPUS_PER_NODE))" >&2`,
    '  exit 1',
    'fi',
    '',
    'DISTRIBUTED_ARGS=(',
    '  --nnodes "$NNODES"',
    '  --nproc_per_node "$GPUS_PER_NODE"',
    '  --node_rank "$NODE_RANK"',
    '  --master_addr "$MASTER_ADDR"',
    '  --master_port "$MASTER_PORT"',
    ')',
  );
  for (const g of launch.groups) {
    lines.push('', `# ${g.title}`, `${arrayName(g.block)}=(`);
    for (const a of g.args) {
      const words = argv(a).map(shellWord).join(' ');
      lines.push(a.note ? `  ${words}  # ${commentText(a.note)}` : `  ${words}`);
    }
    lines.push(')');
  }
  lines.push('', 'cd "$MEGATRON_LM"', 'exec torchrun "${DISTRIBUTED_ARGS[@]}" pretrain_gpt.py \\');
  for (const g of launch.groups) lines.push(`  "\${${arrayName(g.block)}[@]}" \\`);
  lines.push('  "$@"', '');
  return lines.join('\n');
}
