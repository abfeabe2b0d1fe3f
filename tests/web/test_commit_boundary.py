"""The one commit boundary (casework/transaction.py): a request commits once when it succeeds; a refusal
(DomainError) rolls back, says why and goes back to a page of ours; an unexpected error or an error status keeps
nothing; a concurrent change found at the commit undoes the request and replaces its success message; jobs and
commands work in `unit_of_work`. What is stored is read through a connection of its own, never the session of the
request."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import abort, flash, redirect, request
from sqlalchemy import select, update

import casework
from casework.access import public
from casework.accounts.models import Territory
from casework.cases.models import Case
from casework.domain.errors import DomainError
from casework.extensions import db
from casework.transaction import CONFLICT, commit_now, refused, unit_of_work
from tests.factories import notice_case, plain_account

REFUSAL = "Отказано: проверка границы транзакции."


def _stored(name: str) -> bool:
    """Is a territory of this name committed (read on a connection of its own)?"""
    with db.engine.connect() as conn:
        return conn.execute(select(Territory.id).where(Territory.name == name)).first() is not None


def _add(name: str) -> None:
    db.session.add(Territory(name=name))
    db.session.flush()  # written to the database inside the request's transaction


@pytest.fixture()
def probe(app):
    """An application of its own (requests get their own app context and session, as in production) with views
    that change a row and then succeed, refuse, fail or meet a conflict."""
    probe_app = casework.create_app({
        "TESTING": True, "PROPAGATE_EXCEPTIONS": False, "SECRET_KEY": "test-secret", "WTF_CSRF_ENABLED": False,
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "DOCUMENTS_DIR": app.config["DOCUMENTS_DIR"], "IMPORTS_DIR": app.config["IMPORTS_DIR"],
        "JOBS_BACKEND": "inline", "JOBS_INLINE_THREAD": False})

    @probe_app.route("/probe/ok", methods=["POST"])
    @public
    def ok():
        _add(request.form["name"])
        flash("Сохранено.", "success")
        return redirect("/probe/done")

    @probe_app.route("/probe/look")
    @public
    def look():  # a GET changes nothing: what it wrote is not kept
        _add(request.args["name"])
        return "ok"

    @probe_app.route("/probe/refuse", methods=["POST"])
    @public
    def refuse():  # a refusal no view catches: the error handler answers it
        _add(request.form["name"])
        raise DomainError(REFUSAL)

    @probe_app.route("/probe/refuse-to", methods=["POST"])
    @public
    def refuse_to():  # a view that chooses where a refusal goes
        _add(request.form["name"])
        try:
            raise DomainError(REFUSAL)
        except DomainError as exc:
            return refused(exc, "/probe/form")

    @probe_app.route("/probe/boom", methods=["POST"])
    @public
    def boom():
        _add(request.form["name"])
        raise RuntimeError("unexpected")

    @probe_app.route("/probe/bad", methods=["POST"])
    @public
    def bad():
        _add(request.form["name"])
        abort(400)

    @probe_app.route("/probe/early", methods=["POST"])
    @public
    def early():  # the named mid-request commit: what came before it stays, the rest goes with the error
        _add(request.form["name"])
        commit_now()
        _add(request.form["name"] + " 2")
        abort(400)

    @probe_app.route("/probe/conflict/<int:case_id>", methods=["POST"])
    @public
    def conflict(case_id: int):
        case = db.session.get(Case, case_id)
        # another user's move meanwhile: the version in the database is no longer the one this request read
        db.session.execute(update(Case).where(Case.id == case_id).values(version_id=Case.version_id + 1)
                           .execution_options(synchronize_session=False))
        case.next_action = "probe"
        flash("Сохранено.", "success")
        return redirect(f"/probe/case/{case_id}")

    yield probe_app
    with probe_app.app_context():
        db.engine.dispose()


def _flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as sess:
        return [tuple(f) for f in sess.get("_flashes", [])]


def test_a_success_is_committed(probe):
    client = probe.test_client()
    r = client.post("/probe/ok", data={"name": "Граница: успех"})
    assert r.status_code == 302
    assert _stored("Граница: успех")
    assert ("success", "Сохранено.") in _flashes(client)


def test_a_get_is_never_committed(probe):
    assert probe.test_client().get("/probe/look?name=Граница: GET").status_code == 200
    assert not _stored("Граница: GET")


def test_a_refusal_changes_nothing_and_says_why(probe):
    client = probe.test_client()
    r = client.post("/probe/refuse", data={"name": "Граница: отказ"},
                    headers={"Referer": "http://localhost/probe/form?x=1"})
    assert r.status_code == 302 and r.headers["Location"] == "http://localhost/probe/form?x=1"
    assert not _stored("Граница: отказ")
    assert _flashes(client) == [("error", REFUSAL)]


def test_a_refusal_goes_where_the_view_says(probe):
    client = probe.test_client()
    r = client.post("/probe/refuse-to", data={"name": "Граница: отказ 2"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/probe/form")
    assert not _stored("Граница: отказ 2")
    assert _flashes(client) == [("error", REFUSAL)]


@pytest.mark.parametrize("referrer", ["https://evil.example/x", "//evil.example/x", "/\\evil.example/x",
                                      "javascript:alert(1)"])
def test_a_refusal_never_goes_back_to_another_site(probe, referrer):
    client = probe.test_client()
    r = client.post("/probe/refuse", data={"name": "Граница: чужой"}, headers={"Referer": referrer})
    assert r.status_code == 302 and "evil.example" not in r.headers["Location"]
    assert r.headers["Location"] in ("/", "http://localhost/")


def test_a_refusal_goes_back_to_a_path_of_this_site(probe):
    client = probe.test_client()
    r = client.post("/probe/refuse", data={"name": "Граница: путь"}, headers={"Referer": "/probe/form?y=2"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/probe/form?y=2")


def test_an_unexpected_error_keeps_nothing(probe):
    client = probe.test_client()
    r = client.post("/probe/boom", data={"name": "Граница: сбой"})
    assert r.status_code == 500
    assert not _stored("Граница: сбой")


def test_an_error_status_keeps_nothing(probe):
    client = probe.test_client()
    assert client.post("/probe/bad", data={"name": "Граница: 400"}).status_code == 400
    assert not _stored("Граница: 400")


def test_commit_now_keeps_what_came_before_it(probe):
    client = probe.test_client()
    assert client.post("/probe/early", data={"name": "Граница: рано"}).status_code == 400
    assert _stored("Граница: рано")
    assert not _stored("Граница: рано 2")


def test_a_conflict_at_the_commit_undoes_the_request_and_says_so(app, probe):
    c = notice_case(plain_account(balance_kop=100_000))
    db.session.commit()
    version = c.version_id
    client = probe.test_client()
    r = client.post(f"/probe/conflict/{c.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/probe/case/{c.id}")
    assert _flashes(client) == [("error", str(CONFLICT))]  # the success message is gone
    with db.engine.connect() as conn:
        next_action, stored_version = conn.execute(select(Case.next_action, Case.version_id)
                                                   .where(Case.id == c.id)).one()
    assert next_action != "probe" and stored_version == version


def test_unit_of_work_commits_when_the_block_ends(app):
    with unit_of_work():
        _add("Граница: задание")
    assert _stored("Граница: задание")


def test_unit_of_work_rolls_back_and_reraises(app):
    with pytest.raises(DomainError):
        with unit_of_work():
            _add("Граница: задание с отказом")
            raise DomainError(REFUSAL)
    assert not _stored("Граница: задание с отказом")
    with unit_of_work():  # the session is usable again afterwards, and the refused change is not in it
        _add("Граница: после отказа")
    assert _stored("Граница: после отказа")
    assert not _stored("Граница: задание с отказом")


#: the only modules that may still call the session's commit themselves, with the reason
OWN_COMMITS = {
    "transaction.py": "the boundary itself",
    "demo/generator.py": "the demo's --reset ends the session's transaction before it deletes through the engine",
}


def test_nothing_commits_outside_the_boundary():
    """Views, services, jobs and commands commit only through casework/transaction.py (docs/DEVELOPING.md)."""
    root = Path(casework.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith("migrations/") or rel in OWN_COMMITS:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(r"\bsession\.commit\(", line):
                found.append(f"{rel}:{n}")
    assert found == [], "commit through casework.transaction (commit_now / unit_of_work / the request): " + \
        ", ".join(found)
