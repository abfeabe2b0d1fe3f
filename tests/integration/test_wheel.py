"""The wheel carries everything the app needs (templates, letter templates, static, .mo, migrations) and runs alone."""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    wheels = list(out.glob("casework-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def test_wheel_contains_the_shipped_files(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "casework/_shipped/templates/base.html",
        "casework/_shipped/templates/auth/login.html",
        "casework/_shipped/templates/macros/forms.html",
        "casework/static/casework.css",
        "casework/static/casework.js",
        "casework/translations/ru/LC_MESSAGES/messages.mo",
        "casework/translations/en/LC_MESSAGES/messages.mo",
        "casework/migrations/env.py",
        "casework/migrations/alembic.ini",
        "casework/migrations/versions/0001_initial_schema.py",
        "casework/data/key_rate.csv",
        "casework/wsgi.py",
    }
    assert expected - names == set()
    # every template and letter template of the checkout is in the wheel
    for folder in ("templates", "letter_templates"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                assert f"casework/_shipped/{path.relative_to(ROOT).as_posix()}" in names, path
    assert any(n.startswith("casework/_shipped/letter_templates/") for n in names)
    assert not any(n.startswith(("tests/", "instance/")) for n in names)


def test_the_unpacked_wheel_serves_the_russian_login_page(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = r"""
import sys, casework
from pathlib import Path
assert Path(casework.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), casework.__file__
from casework import create_app
app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite:///" + sys.argv[2]})
assert "_shipped" in app.template_folder, app.template_folder
resp = app.test_client().get("/auth/login")
assert resp.status_code == 200, resp.status_code
page = resp.get_data(as_text=True)
print(page)
"""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATABASE_URL")}
    env.update(PYTHONPATH=str(site), PYTHONSAFEPATH="1", CASEWORK_INSTANCE_PATH=str(tmp_path / "instance"))
    proc = subprocess.run([sys.executable, "-c", code, str(site), str(tmp_path / "db.sqlite3")],
                          capture_output=True, text=True, env=env, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    page = proc.stdout
    assert 'lang="ru"' in page
    assert "Войти" in page and "Пароль" in page
    assert "/static/casework.css" in page


def test_the_tests_import_the_package_they_are_meant_to():
    """CI (`.ci/run`) sets CASEWORK_EXPECT_INSTALLED=1: then casework must come from site-packages, not the checkout."""
    import casework

    where = Path(casework.__file__).resolve()
    print(f"casework imported from {where}")
    if os.environ.get("CASEWORK_EXPECT_INSTALLED") == "1":
        assert not where.is_relative_to(ROOT), where
        assert "site-packages" in where.parts
    else:
        assert where.is_relative_to(ROOT) or "site-packages" in where.parts, where
