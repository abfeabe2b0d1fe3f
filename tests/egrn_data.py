"""ЕГРН extract samples (tests/data/egrn, in the shape of Росреестр's XML); the account they belong to is
`tests.factories.egrn_flat`."""
from pathlib import Path

from tests.factories import EGRN_CAD

DATA = Path(__file__).parent / "data" / "egrn"
CAD = EGRN_CAD


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()
