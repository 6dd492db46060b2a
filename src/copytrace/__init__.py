"""copytrace: find who republished whose text, and explain each copy."""

from .ingest import FieldMap, InputError
from .pipeline import ScanResult, scan
from .stages import ScanSettings
from .verify import KeepRule

__all__ = ["FieldMap", "InputError", "KeepRule", "ScanResult", "ScanSettings", "scan"]
__version__ = "0.1.0"
