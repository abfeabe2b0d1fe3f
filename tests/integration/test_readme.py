"""The README tells the truth: its access matrix is the code's, its demo logins are the demo's."""
from __future__ import annotations

import re
from pathlib import Path

from casework.demo.generator import DEMO_USERS
from casework.maintenance.cli import MATRIX_BEGIN, MATRIX_END, access_matrix_markdown

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_access_matrix_equals_the_declared_rules(app, runner):
    text = README.read_text(encoding="utf-8")
    block = text.split(MATRIX_BEGIN, 1)[1].split(MATRIX_END, 1)[0].lstrip("\n")
    generated = access_matrix_markdown(app)
    assert runner.invoke(args=["access-matrix"]).output == generated
    assert block == generated, "README access matrix is stale: run `casework access-matrix --write-readme`"
    # every route of the app is in it, none undeclared
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if not r.endpoint.endswith("static")}
    assert endpoints == set(re.findall(r"\| `([\w.]+)` \|", generated))
    assert "undeclared" not in generated


def test_readme_lists_the_demo_logins_and_the_two_commands():
    text = README.read_text(encoding="utf-8")
    for role, (login, _name, _position, password) in DEMO_USERS.items():
        assert f"| `{login}` | `{password}` |" in text, role
    assert "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/casework demo" in text
    assert "\n.venv/bin/pytest\n" in text
    assert "## Performance" in text
