"""Shims so Megatron-Core's argument parser imports on Debian's python3.11 + torch 1.13 (CPU)."""
import importlib.abc, importlib.machinery, sys, types, typing
from unittest.mock import MagicMock

if not hasattr(typing, 'override'):
    typing.override = lambda f: f

STUB_PREFIXES = ('triton', 'numpy.dtypes', 'torch.distributed.checkpoint', 'torch.distributed._shard',
                 'torch.distributed._tensor', 'torch.distributed.tensor', 'torch.distributed.fsdp',
                 'torch.distributed._composable', 'torch.distributed.device_mesh', 'torch._dynamo', 'torch.nn.attention')

def _placeholder(name):
    if name[:1].isupper():
        return type(name, (), {'__init__': lambda self, *a, **k: None, '__call__': lambda self, *a, **k: MagicMock()})
    return MagicMock(name=name)

class StubModule(types.ModuleType):
    def __init__(self, name):
        super().__init__(name)
        self.__path__ = []
        self.__file__ = f'<stub {name}>'
        self.__version__ = '99.0.0'
    def __getattr__(self, attr):
        if attr.startswith('__'):
            raise AttributeError(attr)
        v = _placeholder(attr)
        setattr(self, attr, v)
        return v

class StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        if any(name == p or name.startswith(p + '.') for p in STUB_PREFIXES):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None
    def create_module(self, spec):
        return StubModule(spec.name)
    def exec_module(self, module):
        pass

sys.meta_path.insert(0, StubFinder())

import torch  # noqa: E402

def _fallback(modname):
    def __getattr__(attr):
        if attr.startswith('__'):
            raise AttributeError(attr)
        v = _placeholder(attr)
        setattr(sys.modules[modname], attr, v)
        return v
    return __getattr__

class TorchFallbackFinder(importlib.abc.MetaPathFinder):
    """After any torch.* module loads, give it a PEP 562 fallback for names added after 1.13."""
    def find_spec(self, name, path, target=None):
        if not name.startswith('torch'):
            return None
        for finder in sys.meta_path:
            if finder is self or isinstance(finder, StubFinder):
                continue
            spec = getattr(finder, 'find_spec', lambda *a: None)(name, path, target)
            if spec is not None:
                loader = spec.loader
                orig = loader.exec_module
                def exec_module(module, orig=orig):
                    orig(module)
                    if not hasattr(module, '__getattr__'):
                        module.__getattr__ = _fallback(module.__name__)
                try:
                    loader.exec_module = exec_module
                except Exception:
                    pass
                return spec
        return None

for name, mod in list(sys.modules.items()):
    if name.startswith('torch') and isinstance(mod, types.ModuleType) and not hasattr(mod, '__getattr__'):
        try:
            mod.__getattr__ = _fallback(name)
        except Exception:
            pass
sys.meta_path.insert(1, TorchFallbackFinder())

torch.cuda.get_device_properties = lambda *a, **k: MagicMock(major=9, minor=0)
torch.cuda.get_device_capability = lambda *a, **k: (9, 0)
torch.cuda.is_available = lambda: False
