"""Every case of tests/data/vectors.json (main readings and all alternatives) through the `calc` CLI (calc-contract §6)."""
from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

_ROOT = Path(__file__).resolve().parents[2]
if str(_ROOT) not in sys.path:  # allow running without an installed package
    sys.path.insert(0, str(_ROOT))

from click.testing import CliRunner  # noqa: E402

from casework.legal.cli import calc_cli  # noqa: E402

VECTORS = json.loads((_ROOT / "tests" / "data" / "vectors.json").read_text(encoding="utf-8"))
_NUM = re.compile(r"^-?\d+(\.\d+)?$")


def build_input(vector: dict, alt: dict | None) -> dict:
    """§6.2: copy input, replace input_overrides wholesale, merge policy_overrides into policy."""
    doc = copy.deepcopy(vector["input"])
    if alt:
        for key, value in (alt.get("input_overrides") or {}).items():
            doc[key] = copy.deepcopy(value)
        if alt.get("policy_overrides"):
            policy = dict(doc.get("policy") or {})
            policy.update(alt["policy_overrides"])
            doc["policy"] = policy
    return doc


def diff(expected, actual, path="$") -> list[str]:
    """§6.3 pattern comparison."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected object, got {actual!r}"]
        out = []
        for k, v in expected.items():
            out += [f"{path}.{k}: missing"] if k not in actual else diff(v, actual[k], f"{path}.{k}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected list, got {actual!r}"]
        out = [] if len(expected) == len(actual) else [f"{path}: length {len(actual)} != {len(expected)}"]
        for i, (e, a) in enumerate(zip(expected, actual)):
            out += diff(e, a, f"{path}[{i}]")
        return out
    if isinstance(expected, str) and isinstance(actual, str) and _NUM.match(expected) and _NUM.match(actual):
        return [] if Decimal(expected) == Decimal(actual) else [f"{path}: {actual} != {expected}"]
    if type(expected) is not type(actual) or expected != actual:
        return [f"{path}: {actual!r} != {expected!r}"]
    return []


CASES = []
for _v in VECTORS["vectors"]:
    CASES.append(pytest.param(_v["kind"], build_input(_v, None), _v["expected"], id=f"{_v['id']}-main"))
    for _i, _alt in enumerate(_v.get("alternatives") or []):
        CASES.append(pytest.param(_v["kind"], build_input(_v, _alt), _alt["expected"], id=f"{_v['id']}-alt{_i}"))


def test_vector_file_shape():
    assert VECTORS["schema_version"] == 1
    assert len(VECTORS["vectors"]) == 29
    assert len(CASES) == 57


def test_comparison_rule_is_strict():
    assert diff({"a": "9.5"}, {"a": "9.50", "b": 1}) == []
    assert diff({"a": True}, {"a": 1}) != []
    assert diff({"a": None}, {"a": "0"}) != []
    assert diff({"r": [1]}, {"r": [1, 2]}) != []


@pytest.mark.parametrize("kind,doc,expected", CASES)
def test_vector_case(kind, doc, expected):
    result = CliRunner().invoke(calc_cli, [kind], input=json.dumps(doc, ensure_ascii=False))
    assert result.exit_code == 0, result.stderr
    assert diff(expected, json.loads(result.stdout)) == []


SUBPROCESS_IDS = {"PEN-04-alt0", "PEN-07a-main", "LIM-03a-main", "DUTY-06-main", "PEN-10-alt0"}


@pytest.mark.parametrize("kind,doc,expected", [c for c in CASES if c.id in SUBPROCESS_IDS])
def test_vector_case_real_subprocess(kind, doc, expected):
    proc = subprocess.run([sys.executable, "-m", "casework.legal.cli", kind], cwd=_ROOT,
                          input=json.dumps(doc, ensure_ascii=False).encode("utf-8"), capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert diff(expected, json.loads(proc.stdout)) == []


def test_subprocess_invalid_input_exit_2():
    proc = subprocess.run([sys.executable, "-m", "casework.legal.cli", "limitation"], cwd=_ROOT,
                          input=b'{"charges": [], "as_of": "2025-01-01", "policy": {"reading": "C"}}',
                          capture_output=True, timeout=60)
    assert proc.returncode == 2 and proc.stdout == b""
    assert "policy.reading" in json.loads(proc.stderr)["error"]
