"""The bureau workbook (SPEC "Bureau workbook"): all-or-nothing import and the matching export, XLSX or CSV."""
import importlib

# Loaded on first use: Django imports this package while it populates the app registry, before models can load.
_EXPORTS = {"RowError": "errors", "WorkbookError": "errors", "export_workbook": "exporter",
            "ImportResult": "importer", "Progress": "importer", "import_workbook": "importer",
            "write_workbook": "writer"}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
