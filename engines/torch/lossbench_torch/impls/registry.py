"""Implementations by name: the built-ins, the third-party ones, and `py:<module>:<factory>` plugins."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Dict, List, Optional, Tuple

if TYPE_CHECKING:  # spec.py reads the names before torch is imported
    from .contract import Factory

BUILTIN = ("naive", "chunked", "checkpoint")
THIRD_PARTY = ("openclip", "infcl", "infcl-ring", "siglip-kernel", "memeff")
NAMES = BUILTIN + THIRD_PARTY
PLUGIN_PREFIX = "py:"


@dataclass(frozen=True)
class Entry:
    name: str
    package: str  # the PyPI distribution ('' for lossbench's own)
    losses: Tuple[str, ...]
    strategies: str  # in words, for `backends`
    factory: Callable[[], "Factory"]  # imported lazily: a missing package costs only its own rows


def _builtin(impl: str) -> "Factory":
    from .builtin import builtin

    return builtin(impl)


def _openclip() -> "Factory":
    from .openclip import openclip

    return openclip


def _infcl(ring: bool) -> "Factory":
    from .infcl import infcl, infcl_ring

    return infcl_ring if ring else infcl


def _triton(name: str) -> "Factory":
    from . import triton_cuda

    return triton_cuda.siglip_kernel if name == "siglip-kernel" else triton_cuda.memeff


ENTRIES: Dict[str, Entry] = {e.name: e for e in (
    Entry("naive", "", ("clip", "siglip"), "every lossbench strategy", lambda: _builtin("naive")),
    Entry("chunked", "", ("clip", "siglip"), "every lossbench strategy", lambda: _builtin("chunked")),
    Entry("checkpoint", "", ("clip", "siglip"), "single (torch.utils.checkpoint over column chunks; torch only)",
          lambda: _builtin("checkpoint")),
    Entry("openclip", "open-clip-torch", ("clip", "siglip"),
          "single; clip allgather-global, allgather-local, allgather-global-grad, allgather-local-nograd; "
          "siglip allgather, ring, ring-bidir, allreduce", _openclip),
    Entry("infcl", "inf-cl", ("clip",), "clip single (flash), ring (Inf-CL); CUDA", lambda: _infcl(False)),
    Entry("infcl-ring", "inf-cl", ("clip",), "clip ring (W ≥ 2; pure PyTorch)", lambda: _infcl(True)),
    Entry("siglip-kernel", "siglip-kernel", ("siglip",), "siglip single; CUDA", lambda: _triton("siglip-kernel")),
    Entry("memeff", "memeff", ("clip",), "clip single, allgather-local; CUDA; fixed temperature (no dt')",
          lambda: _triton("memeff")),
)}


class ImplError(ValueError):
    """An --impl name that names nothing (a usage error, not an unsupported row)."""


def is_impl_name(name: str) -> bool:
    return name in ENTRIES or parse_plugin(name) is not None


def parse_plugin(name: str) -> Optional[Tuple[str, str]]:
    """'py:<module>:<factory>' → (module, factory); None if name is not of that form."""
    if not name.startswith(PLUGIN_PREFIX):
        return None
    parts = name[len(PLUGIN_PREFIX):].split(":")
    if len(parts) != 2 or not all(p and all(s.isidentifier() for s in p.split(".")) for p in parts):
        return None
    return parts[0], parts[1]


def factory(name: str) -> "Factory":
    """The factory of an implementation. A plugin module that cannot be imported, or has no such callable,
    raises Unsupported (its rows say why); an unknown name raises ImplError."""
    from .contract import Unsupported

    if name in ENTRIES:
        return ENTRIES[name].factory()
    plugin = parse_plugin(name)
    if plugin is None:
        raise ImplError(f"impl: expected one of {', '.join(NAMES)} or py:<module>:<factory>, got {name!r}")
    module, attr = plugin
    try:
        mod = importlib.import_module(module)
    except Exception as e:  # noqa: BLE001 - the plugin's own import failure is its row's reason
        raise Unsupported(f"cannot import plugin module {module}: {type(e).__name__}: {e}") from None
    f = getattr(mod, attr, None)
    if not callable(f):
        raise Unsupported(f"plugin module {module} has no callable {attr}")
    return f  # type: ignore[return-value]


def version_of(name: str) -> Optional[str]:
    plugin = parse_plugin(name)
    if plugin is not None:
        return f"plugin {plugin[0]}"
    e = ENTRIES.get(name)
    if e is None or not e.package:
        import torch

        return f"lossbench (torch {torch.__version__})" if e is not None else None
    try:
        from importlib.metadata import version

        return version(e.package)
    except Exception:  # noqa: BLE001 - not installed
        return None


def names() -> List[str]:
    return list(NAMES)
