"""Helpers the journeys share: signing in, reading amounts as shown, step screenshots."""
from __future__ import annotations

import os
import re
from decimal import Decimal
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:120]


def shot(page, label: str) -> None:
    """With E2E_SCREENSHOTS=1: keep a screenshot of this step under tests/e2e/artifacts/steps/."""
    if not os.environ.get("E2E_SCREENSHOTS"):
        return
    page.e2e_step += 1
    folder = ARTIFACTS / "steps"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{_safe(label)}.png"), full_page=True)


# ------------------------------------------------------------------------------------------- helpers


def login(page, role: str):
    """Sign in as the demo user of a role through the login form (Enter submits); returns (login, full name)."""
    from playwright.sync_api import expect

    from casework.demo.generator import DEMO_USERS

    username, full_name, _position, password = DEMO_USERS[role]
    page.goto("/auth/login")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(password)
    with page.expect_navigation():
        page.get_by_label("Пароль").press("Enter")
    expect(page.get_by_role("button", name="Выйти")).to_be_visible()
    expect(page.get_by_text(full_name).first).to_be_visible()
    return username, full_name


_MONEY_RE = re.compile(r"-?\d[\d\s\u00a0\u202f]*(?:,\d{2})?")


def rubles(text: str) -> Decimal:
    """«1 234,56 ₽» / «1 234 руб. 56 коп.» (as shown or printed) → Decimal('1234.56')."""
    t = text.replace("\u00a0", " ").replace("\u202f", " ").strip()
    m = re.search(r"(-?[\d ]+) руб\. (\d{2}) коп\.", t)
    if m:
        return Decimal(m.group(1).replace(" ", "") + "." + m.group(2))
    m = _MONEY_RE.search(t)
    if not m:
        raise AssertionError(f"no amount in {text!r}")
    return Decimal(m.group(0).replace(" ", "").replace(",", "."))


def docx_text(data: bytes) -> str:
    """The text of a downloaded .docx: its paragraphs, then its tables' cells, with no-break spaces as spaces."""
    import io

    import docx

    d = docx.Document(io.BytesIO(data))
    parts = [p.text for p in d.paragraphs]
    for t in d.tables:
        for row in t.rows:
            parts.extend(c.text for c in row.cells)
    return "\n".join(parts).replace("\u00a0", " ")


def amount_after(text: str, pattern: str) -> Decimal:
    """The printed amount («1 234 руб. 56 коп.») that follows `pattern` in a document's text."""
    m = re.search(pattern + r"\s*(-?[\d ]+ руб\. \d{2} коп\.)", text)
    assert m, f"«{pattern}» followed by an amount is not in the document:\n{text[:4000]}"
    return rubles(m.group(1))
