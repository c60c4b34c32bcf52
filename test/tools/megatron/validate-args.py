"""Run emitted Megatron arguments through Megatron-LM's own checks, on a CPU, as a cross-check of
`moec compile --target megatron` (optional: CI has no Python; see README.md here).

  /usr/bin/python3 test/tools/megatron/validate-args.py <Megatron-LM checkout> <args.json>...

For each args.json (written by the compile): WORLD_SIZE and the environment from the file, then
parse_args → validate_args → core_transformer_config_from_args (every TransformerConfig /
MLATransformerConfig check) → gpt_config_from_args, and the two rank grids that
parallel_state.initialize_model_parallel builds when the process groups start (world divisible by
TP·PP·CP and by ETP·EP·PP; the same pipeline groups for dense and expert layers). `--no-rope-fusion`
is appended where absent: this machine has no Transformer Engine, whose absence Megatron would
otherwise report (an environment check, not a spec check). Prints OK / FAIL per file; with
SHOW=field,field… also those attributes of the built config as Megatron resolved them (e.g.
SHOW=activation_func,glu_linear_offset,yarn_original_max_position_embeddings).
"""
import io
import json
import os
import sys
import traceback
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shim  # noqa: E402,F401  (must come before torch / megatron)

megatron_root = sys.argv[1]
sys.path.insert(0, megatron_root)
import warnings  # noqa: E402

warnings.filterwarnings('ignore')
from megatron.core.parallel_state import RankGenerator  # noqa: E402
from megatron.training.argument_utils import core_transformer_config_from_args, gpt_config_from_args  # noqa: E402
from megatron.training.arguments import parse_args, validate_args  # noqa: E402


def rank_grids(args):
    """The checks of initialize_model_parallel (parallel_state.py:822, 881, 905) without torch.distributed."""
    world = args.world_size
    model = args.tensor_model_parallel_size * args.pipeline_model_parallel_size * args.context_parallel_size
    if world % model:
        raise RuntimeError(f'world_size ({world}) is not divisible by {model}')
    etp = args.expert_tensor_parallel_size
    expert_model = etp * args.expert_model_parallel_size * args.pipeline_model_parallel_size
    if world % expert_model:
        raise RuntimeError(f'world_size ({world}) is not divisible by expert_tensor_model_pipeline_parallel size ({expert_model})')
    order = 'tp-cp-ep-dp-pp'
    dense = RankGenerator(tp=args.tensor_model_parallel_size, ep=1, dp=world // model, pp=args.pipeline_model_parallel_size,
                          cp=args.context_parallel_size, order=order, rank_offset=0)
    expert = RankGenerator(tp=etp, ep=args.expert_model_parallel_size, dp=world // expert_model,
                           pp=args.pipeline_model_parallel_size, cp=1, order=order, rank_offset=0)
    if dense.get_ranks('pp') != expert.get_ranks('pp'):
        raise RuntimeError('pipeline groups differ between the dense and the expert layers')


def check(path):
    doc = json.load(open(path))
    argv = list(doc['argv'])
    if '--no-rope-fusion' not in argv:
        argv.append('--no-rope-fusion')
    saved = dict(os.environ)
    os.environ['WORLD_SIZE'] = str(doc['launcher']['world_size'])
    os.environ.pop('CUDA_DEVICE_MAX_CONNECTIONS', None)
    os.environ.update(doc['env'])
    sys.argv = ['pretrain_gpt.py'] + argv
    try:
        with redirect_stdout(io.StringIO()):
            args = parse_args()
            validate_args(args, {'tokenizer_type': 'GPT2BPETokenizer'})
            config = core_transformer_config_from_args(args)
            gpt_config_from_args(args, config)
            rank_grids(args)
        shown = ''.join(f'\n       {f} = {getattr(getattr(config, f, None), "__name__", getattr(config, f, "(absent)"))}' for f in os.environ.get('SHOW', '').split(',') if f)
        return f'OK   {path}: {type(config).__name__}, data parallel {args.data_parallel_size}{shown}'
    except SystemExit as e:
        return f'FAIL {path}: argparse exited ({e})'
    except BaseException as e:  # noqa: BLE001 — report every failure kind, keep going
        if os.environ.get('DEBUG'):
            traceback.print_exc()
        return f'FAIL {path}: {type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ""}'
    finally:
        os.environ.clear()
        os.environ.update(saved)


results = [check(p) for p in sys.argv[2:]]
print('\n'.join(results))
sys.exit(1 if any(r.startswith('FAIL') for r in results) else 0)
