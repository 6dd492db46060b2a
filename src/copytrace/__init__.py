"""copytrace: find who republished whose text, and explain each copy."""

__all__ = ["FieldMap", "InputError", "KeepRule", "ScanResult", "ScanSettings", "scan"]
__version__ = "0.1.0"  # as in pyproject.toml (read here without importlib.metadata: --version stays quick)

# Every name is imported when first used: the scan machinery loads numba, and
# ingest pyarrow.compute; `copytrace --help` and `copytrace explain` load neither.
_LAZY = {"scan": "pipeline", "ScanResult": "io.output", "ScanSettings": "settings", "KeepRule": "settings",
         "FieldMap": "io", "InputError": "io"}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
