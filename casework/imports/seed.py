"""Reference data of the imports area: the shipped aliases of billing values (see aliases.py)."""
from __future__ import annotations


def seed() -> None:
    from .aliases import seed_aliases

    seed_aliases()
