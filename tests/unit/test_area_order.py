"""The areas import each other along one order (docs/DEVELOPING.md, «Order of areas»): a module may import the
core and the areas before its own, never one after it — at the top of the file or inside a function. The upward
imports that remain are listed below as known debts with the reason; the test fails on any new one, and on a
listed one that has gone (so the list only shrinks)."""
from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "casework"

#: lowest first. "core" is the pure domain and the infrastructure modules at the package's top level; each area's
#: demo module belongs to "demo"; "app" is the factory and the registries.
ORDER = ["core", "audit", "auth", "jobs", "enterprise", "accounts", "imports", "legal", "cases", "contacts", "documents",
         "reports", "egrn", "fssp", "gis", "ops", "messages", "api", "maintenance", "demo", "app"]
CORE = {"domain", "data", "dbtypes", "extensions", "i18n", "export", "pagination", "moneyfield", "storage",
        "security", "errors", "access", "timeutil", "config", "views_common", "translations",
        "problems", "transaction"}
APP = {"__init__", "models", "blueprints", "cli", "wsgi", "migrations", "static"}

#: (from area, to area) → why it is still there; each is a debt to pay by moving the code it needs down the order
KNOWN_UPWARD = {
    ("core", "enterprise"): "timeutil reads the enterprise's time zone (should be handed in at app start-up)",
    ("audit", "auth"): "the audit log page shows user names",
    ("enterprise", "documents"): "the enterprise's declined name uses the documents' Russian morphology helpers",
    ("accounts", "cases"): "the account page and search show the open case",
    ("imports", "reports"): "the import preview warns about rows in a closed month",
    ("legal", "cases"): "the legal adapter reads the case's court claim periods",
    ("legal", "contacts"): "the legal adapter reads payment agreements",
    ("cases", "contacts"): "cases read contacts and promises for the queue and the facts of the guards",
    ("cases", "documents"): "cases read issued documents (warnings, applications) for the facts of the guards",
    ("documents", "demo"): "an uploaded template is validated by rendering it with the demo letter's data",
}


def area_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "casework":
        return None
    if len(parts) == 1 or parts[1] in APP:
        return "app"
    if parts[1].isupper():
        return "core"  # PACKAGE_DIR, PROJECT_DIR: constants of casework/__init__.py, defined before any import
    if len(parts) > 2 and parts[2] == "demo":
        return "demo"  # each area's demo data, built by casework/demo/generator.py on top of everything
    if parts[1] in CORE:
        return "core"
    return parts[1]


def _module_name(path: Path) -> tuple[str, str]:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
        package = ".".join(parts)
    else:
        package = ".".join(parts[:-1])
    return ".".join(parts), package


def upward_imports() -> dict[tuple[str, str], list[str]]:
    """Every import (top level or in a function, also by `importlib.import_module("…")`) from an area to one after
    it in ORDER: (from, to) → ["file:line", …]."""
    rank = {a: i for i, a in enumerate(ORDER)}
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module, package = _module_name(path)
        src = area_of(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    name = ".".join(base + ([node.module] if node.module else []))
                else:
                    name = node.module or ""
                targets = [f"{name}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                  and isinstance(node.args[0].value, str) and re.fullmatch(r"casework(\.\w+)+", node.args[0].value)):
                targets = [node.args[0].value]
            for target in targets:
                dst = area_of(target)
                if src and dst and src != dst and src != "app":
                    assert dst in rank, f"{target}: area {dst!r} is not in ORDER (add it where it belongs)"
                    assert src in rank, f"{module}: area {src!r} is not in ORDER (add it where it belongs)"
                    if rank[dst] > rank[src]:
                        found[(src, dst)].append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_areas_import_only_down_the_order():
    found = upward_imports()
    new = {edge: where for edge, where in found.items() if edge not in KNOWN_UPWARD}
    assert new == {}, "imports against the order of areas (docs/DEVELOPING.md): " + repr(new)


def test_the_known_debts_are_still_there():
    found = upward_imports()
    paid = sorted(edge for edge in KNOWN_UPWARD if edge not in found)
    assert paid == [], f"these upward imports are gone: remove them from KNOWN_UPWARD {paid}"


def test_every_area_package_is_placed_in_the_order():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    unplaced = sorted(packages - set(ORDER) - CORE - APP)
    assert unplaced == []


def test_the_order_is_written_in_developing_md():
    text = (ROOT / "docs" / "DEVELOPING.md").read_text(encoding="utf-8")
    written = re.search(r"Order of areas[^\n]*\n+((?:.+\n)+?)\n", text)
    assert written, "docs/DEVELOPING.md has no «Order of areas» section"
    chain = written.group(1).split("`app`.")[0] + "`app`"  # the arrowed list ends with `app`.
    assert re.findall(r"`(\w+)`", chain) == ORDER
