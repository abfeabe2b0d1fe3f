"""`casework calc penalty|limitation|duty` inside the application: every vector through the Flask CLI (database
reference data seeded from the packaged files), a sample through the installed console script in a subprocess,
and the documented choice of reference data (CALC_REFERENCE: auto | database | packaged)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from casework.extensions import db
from tests.integration.test_calc_vectors import CASES, diff

CASEWORK = shutil.which("casework") or str(Path(sys.executable).with_name("casework"))

# a 2020 charge unpaid on 30.01.2021: outside the cap window, so the key rate in force that day counts
PROBE = {"charges": [{"period": "2020-01", "amount": "10000.00"}], "calc_date": "2021-01-30"}


def _invoke(runner, kind, doc):
    return runner.invoke(args=["calc", kind], input=json.dumps(doc, ensure_ascii=False))


@pytest.fixture(scope="module")
def vector_runner(_app):
    """One freshly seeded database for all the vectors (they only read it)."""
    from tests.conftest import _wipe

    with _app.app_context():
        _wipe(db)
        yield _app.test_cli_runner()
        db.session.remove()


@pytest.mark.parametrize("kind,doc,expected", CASES)
def test_every_vector_through_the_flask_cli(vector_runner, kind, doc, expected):
    try:
        result = _invoke(vector_runner, kind, doc)
    finally:
        db.session.rollback()  # end the read transaction: a later test's TRUNCATE would wait for it on PostgreSQL
    assert result.exit_code == 0, result.output
    problems = diff(expected, json.loads(result.stdout))
    assert problems == [], problems


def test_bad_input_exits_2_with_an_error_document(app, runner):
    result = _invoke(runner, "penalty", {"charges": [], "calc_date": "2025-01-01", "typo": 1})
    assert result.exit_code == 2
    assert "typo" in json.loads(result.stderr)["error"]


def _add_rate(d: date, rate: str) -> None:
    from casework.legal.services import save_key_rate

    save_key_rate(None, d, rate, "test")
    db.session.commit()


def test_the_cli_uses_the_database_reference_and_packaged_on_request(app, runner):
    before = json.loads(_invoke(runner, "penalty", PROBE).stdout)
    _add_rate(date(2021, 1, 25), "6.00")
    after = json.loads(_invoke(runner, "penalty", PROBE).stdout)
    assert before["rows"][0]["rate_percent"] == "4.25" and after["rows"][0]["rate_percent"] == "6.00"
    saved = {"CALC_REFERENCE": app.config.get("CALC_REFERENCE")}
    app.config["CALC_REFERENCE"] = "packaged"
    try:
        packaged = json.loads(_invoke(runner, "penalty", PROBE).stdout)
    finally:
        app.config.update(saved)
    assert packaged == before


def _script(args, doc, env_extra):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("CASEWORK_")}
    env.update(env_extra)
    return subprocess.run([CASEWORK, *args], input=json.dumps(doc).encode(), capture_output=True, env=env,
                          timeout=120)


# one of each kind and an alternative reading: the console script starts a whole app (seconds on a busy box)
SAMPLE = [next(c for c in CASES if c.values[0] == k) for k in ("penalty", "limitation", "duty")] + \
    [next(c for c in CASES if c.id.endswith("-alt0"))]


def test_a_sample_of_vectors_through_the_installed_console_script(tmp_path):
    env = {"CASEWORK_INSTANCE_PATH": str(tmp_path)}  # empty instance: no database, the packaged data are used
    for case in SAMPLE:
        kind, doc, expected = case.values
        proc = _script(["calc", kind], doc, env)
        assert proc.returncode == 0, (case.id, proc.stderr.decode()[-500:])
        assert diff(expected, json.loads(proc.stdout)) == [], case.id
    assert not (tmp_path / "casework.sqlite3").exists()  # the fallback did not create a database
    bad = _script(["calc", "duty"], {"claim": "-1"}, env)
    assert bad.returncode == 2 and "error" in json.loads(bad.stderr)


def test_the_console_script_reads_the_database_when_it_is_there(app, database_url, tmp_path):
    _add_rate(date(2021, 1, 25), "6.00")
    env = {"CASEWORK_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": database_url}
    proc = _script(["calc", "penalty"], PROBE, env)
    assert proc.returncode == 0, proc.stderr.decode()[-800:]
    assert json.loads(proc.stdout)["rows"][0]["rate_percent"] == "6.00"
    strict = _script(["calc", "penalty"], PROBE, {"CASEWORK_INSTANCE_PATH": str(tmp_path / "none"),
                                                  "CASEWORK_CALC_REFERENCE": "database"})
    assert strict.returncode == 2 and "reference data" in json.loads(strict.stderr)["error"]
