"""Name-list registration: areas are found by dotted module name, and an absent module is skipped."""
from __future__ import annotations

import importlib
from types import ModuleType


def import_optional(name: str) -> ModuleType | None:
    """Import `name`, or return None when that module (or a package above it) does not exist.

    An ImportError raised *inside* an existing module is not swallowed: it is a bug to see.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            return None
        raise
