"""Pages read as Russian: labels instead of stored codes, Russian number and date formats, English on request."""
from __future__ import annotations

import re

from casework.extensions import db


def test_audit_trail_shows_labels_names_and_unescaped_text(client, login, make_user):
    admin = login("admin", full_name="Кузнецов Дмитрий Сергеевич")
    other = make_user("collector", full_name="Саввинова Надежда Петровна")
    assert other.full_name  # loaded, so the change has its old value
    other.full_name = "Саввинова Надежда Петровна-Иванова"
    db.session.commit()
    html = client.get("/audit/").get_data(as_text=True)
    rows = re.findall(r"<tr><td>.*?</tr>", html, re.S)
    assert rows, "the audit page lists no rows"
    cells = [re.findall(r"<td>(.*?)</td>", r, re.S) for r in rows]
    actions = {c[2] for c in cells}
    assert "insert" not in actions and "update" not in actions
    assert {"создание", "изменение"} <= actions
    assert all(not c[3].startswith("users") for c in cells)
    assert any(c[3].startswith("пользователь") for c in cells)
    # the change of the name, readable: old → new, Cyrillic as such (not \u-escaped)
    assert "full_name: Саввинова Надежда Петровна → Саввинова Надежда Петровна-Иванова" in html
    assert "\\u04" not in html
    assert admin.full_name in html  # who made the change, by name
    # stored ISO timestamps and booleans read as Russian dates and words
    assert not re.search(r"\d{4}-\d{2}-\d{2}T", html)
    assert "is_active_user: да" in html


def test_audit_trail_filter_by_table_and_empty_state(client, login):
    login("manager")
    html = client.get("/audit/?entity=users").get_data(as_text=True)
    assert '<option value="users" selected>' in html
    empty = client.get("/audit/?entity=courts&entity_id=999999").get_data(as_text=True)
    assert "изменений не записано" in empty


def test_english_is_selectable_per_user(client, login):
    user = login("admin")
    client.post("/lang/en")
    db.session.expire_all()
    assert db.session.get(type(user), user.id).locale == "en"
    html = client.get("/audit/").get_data(as_text=True)
    assert "Audit trail" in html and "created" in html and "Журнал" not in html


def test_menu_marks_one_entry_active(client, login):
    login("manager")
    for path, label in (("/cases/courts", "Суды"), ("/cases/", "Дела"), ("/cases/queue", "Мои задачи")):
        html = client.get(path).get_data(as_text=True)
        active = re.findall(r'<a href="[^"]*" class="active">([^<]*)</a>', html)
        assert active == [label], (path, active)
    assert not re.findall(r'class="active"', client.get("/auth/profile").get_data(as_text=True))
