"""copytrace: find who republished whose text, and explain each copy."""

from copytrace.io import FieldMap, InputError

__all__ = ["FieldMap", "InputError", "KeepRule", "ScanResult", "ScanSettings", "scan"]
__version__ = "0.1.0"

# The scan machinery loads numba; importing it lazily keeps `copytrace explain`
# and other light commands quick to start.
_LAZY = {"scan": "pipeline", "ScanResult": "io.output", "ScanSettings": "settings", "KeepRule": "settings"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
