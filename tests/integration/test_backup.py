"""`casework backup` / `casework restore`: a round trip brings the data back, on SQLite and on PostgreSQL."""
from __future__ import annotations

from sqlalchemy import func, select

from casework.accounts.models import Territory
from casework.extensions import db


def _names() -> list[str]:
    return list(db.session.scalars(select(Territory.name).order_by(Territory.name)))


def test_round_trip_restores_the_data(app, runner, tmp_path):
    db.session.add_all([Territory(name="г. Ленск"), Territory(name="п. Витим")])
    db.session.commit()
    before = _names()
    backup = tmp_path / "casework.backup"

    result = runner.invoke(args=["backup", "-o", str(backup)])
    assert result.exit_code == 0, result.output
    assert backup.is_file() and backup.stat().st_size > 0

    # change the data after the backup
    db.session.execute(Territory.__table__.delete().where(Territory.name == "п. Витим"))
    db.session.add(Territory(name="с. Нюя"))
    db.session.commit()
    assert _names() == ["г. Ленск", "с. Нюя"]
    db.session.remove()

    result = runner.invoke(args=["restore", str(backup), "--yes"])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert _names() == before == ["г. Ленск", "п. Витим"]
    # the restored database is fully usable: new rows get fresh ids
    db.session.add(Territory(name="с. Турукта"))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Territory)) == 3


def test_restore_asks_first_and_does_nothing_when_refused(app, runner, tmp_path):
    db.session.add(Territory(name="г. Ленск"))
    db.session.commit()
    backup = tmp_path / "b.backup"
    assert runner.invoke(args=["backup", "-o", str(backup)]).exit_code == 0
    db.session.add(Territory(name="п. Пеледуй"))
    db.session.commit()
    db.session.remove()

    result = runner.invoke(args=["restore", str(backup)], input="n\n")
    assert result.exit_code != 0
    assert "cannot be undone" in result.output
    assert _names() == ["г. Ленск", "п. Пеледуй"]


def test_restore_refuses_a_file_that_is_not_a_backup(app, runner, tmp_path):
    db.session.add(Territory(name="г. Ленск"))
    db.session.commit()
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a database", encoding="utf-8")
    result = runner.invoke(args=["restore", str(bogus), "--yes"])
    assert result.exit_code != 0
    assert "is not a" in result.output
    result = runner.invoke(args=["restore", str(tmp_path / "missing.dump"), "--yes"])
    assert result.exit_code != 0 and "does not exist" in result.output
    db.session.remove()
    assert _names() == ["г. Ленск"]


def test_default_backup_file_goes_to_the_instance_folder(app, runner):
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    written = result.output.split("backup written: ", 1)[1].split(" (", 1)[0]
    assert written.startswith(str(app.instance_path))
