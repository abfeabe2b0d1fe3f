"""Fixtures for the pure-domain unit tests: the packaged calendar and key-rate table (no app, no DB)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # allow `pytest tests/unit` without an installed package
    sys.path.insert(0, str(_ROOT))

from casework.legal import reference  # noqa: E402


@pytest.fixture(scope="session")
def cal():
    return reference.load_calendar()


@pytest.fixture(scope="session")
def rates():
    return reference.load_key_rates()


@pytest.fixture(scope="session")
def scales():
    return reference.load_duty_scales()
