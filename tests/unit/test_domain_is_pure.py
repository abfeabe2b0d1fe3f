"""casework/domain must stay pure: no Flask, SQLAlchemy, docxtpl, no file I/O, no clock."""
import ast
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "casework" / "domain"
FORBIDDEN_MODULES = {"flask", "sqlalchemy", "flask_sqlalchemy", "docxtpl", "casework.legal", "importlib"}
FORBIDDEN_CALLS = {"open"}
FORBIDDEN_ATTRS = {("date", "today"), ("datetime", "now"), ("datetime", "today"), ("datetime", "utcnow"),
                   ("Path", "read_text"), ("Path", "open")}


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for n in names:
            if any(n == m or n.startswith(m + ".") for m in FORBIDDEN_MODULES):
                out.append(f"{path.name}:{node.lineno} imports {n}")
        if isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Name) and f.id in FORBIDDEN_CALLS:
                out.append(f"{path.name}:{node.lineno} calls {f.id}()")
            if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and (f.value.id, f.attr) in FORBIDDEN_ATTRS:
                out.append(f"{path.name}:{node.lineno} calls {f.value.id}.{f.attr}()")
            if isinstance(f, ast.Attribute) and f.attr in {"read_text", "write_text", "read_bytes", "open"}:
                out.append(f"{path.name}:{node.lineno} does file I/O via .{f.attr}()")
    return out


def test_domain_modules_exist():
    assert {p.name for p in DOMAIN.glob("*.py")} >= {"money.py", "penalty.py", "limitation.py", "calendar.py"}


def test_domain_is_pure():
    problems = [v for p in sorted(DOMAIN.glob("*.py")) for v in _violations(p)]
    assert problems == []


def test_the_scanner_catches_violations(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import flask\nfrom sqlalchemy.orm import Session\nx = open('f')\n"
                   "from datetime import date\ny = date.today()\n", encoding="utf-8")
    assert len(_violations(bad)) == 4
