"""Dump every argument of pretrain_gpt.py's parser (flags, dest, argparse action, type, choices,
nargs, default) as JSON, one argument per line: test/fixtures/megatron/parser-<tag>.json.

  MEGATRON=<Megatron-LM checkout at the tag> PYTORCH_JIT=0 /usr/bin/python3 test/tools/megatron/dump-parser.py
"""
import argparse, json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__))); import shim  # noqa
sys.path.insert(0, os.environ['MEGATRON'])
import warnings; warnings.filterwarnings('ignore')
from megatron.training.arguments import add_megatron_arguments
parser = add_megatron_arguments(argparse.ArgumentParser(allow_abbrev=False))
def jsonable(v):
    if v is None or isinstance(v, (bool, int, float, str)): return v
    if isinstance(v, (list, tuple)): return [jsonable(x) for x in v]
    return repr(v)
out = []
for a in parser._actions:
    if not a.option_strings: continue
    kind = type(a).__name__
    out.append({'flags': a.option_strings, 'dest': a.dest, 'action': kind,
                'type': getattr(a.type, '__name__', None) if a.type else None,
                'choices': jsonable(list(a.choices)) if a.choices is not None else None,
                'nargs': a.nargs, 'default': jsonable(a.default)})
print('[\n' + ',\n'.join(json.dumps(a, separators=(',', ':')) for a in out) + '\n]')
