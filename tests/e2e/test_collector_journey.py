"""A collector works the daily queue: opens a case, logs a call where the debtor promised to pay, and finds the
contact and the promise in the case timeline (and in the database, with the amount to the kopeck)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from .helpers import login, shot

pytestmark = pytest.mark.e2e


def test_collector_logs_a_call_with_a_promise(page, db_read):
    from casework.cases.models import Case
    from casework.contacts.models import Contact, Promise
    from casework.timeutil import today

    _username, full_name = login(page, "collector")
    page.get_by_role("link", name="Мои задачи").click()
    expect(page.get_by_role("heading", level=1, name=re.compile("Очередь работы"))).to_be_visible()
    shot(page, "collector-01-queue")

    # the first case of «next actions due»: the queue's most urgent work
    section = page.locator("section").filter(
        has=page.get_by_role("heading", name=re.compile("Запланированные действия")))
    first = section.get_by_role("link").first
    expect(first).to_be_visible()
    number = first.inner_text().strip()
    with page.expect_navigation():
        first.click()
    expect(page.get_by_role("heading", level=1, name=re.compile(rf"Дело {number}"))).to_be_visible()
    case_id = int(re.search(r"/cases/(\d+)$", page.url).group(1))
    case_url = page.url
    shot(page, "collector-02-case")

    page.get_by_role("link", name="Записать контакт или обещание").click()
    expect(page.get_by_role("heading", name="Записать контакт")).to_be_visible()

    with db_read():  # the enterprise's local date (Lensk, UTC+9), as the server sees it
        day = today() - timedelta(days=1)  # yesterday at 10:00: in the past whatever the hour the journey runs at
        due = today() + timedelta(days=7)
    note = f"E2E: должник обещал оплатить до {due:%d.%m.%Y}"
    page.get_by_label("Канал").select_option(label="Звонок")
    page.get_by_label("Направление").select_option(label="Исходящий (связались мы)")
    page.get_by_label("Результат").select_option(label="Обещал(а) оплатить")
    page.get_by_label("Дата", exact=True).fill(day.isoformat())
    page.get_by_label("Время (местное для должника)").fill("10:00")
    page.get_by_label("С кем говорили").fill("Должник")
    page.get_by_label("Примечание").first.fill(note)
    form = page.locator("form").filter(has=page.get_by_role("button", name="Сохранить контакт"))
    form.get_by_label("Обещанная сумма, ₽").press_sequentially("1234,56")
    form.get_by_label("Обещал(а) оплатить до").fill(due.isoformat())
    shot(page, "collector-03-form")
    with page.expect_navigation():
        form.get_by_label("Обещанная сумма, ₽").press("Enter")
    if page.get_by_label("Сохранить всё равно (предупреждения прочитаны)").count():
        # the page warned (e.g. contact frequency, 230-ФЗ ст.7): the collector reads it and saves anyway
        shot(page, "collector-03b-warnings")
        page.get_by_label("Сохранить всё равно (предупреждения прочитаны)").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Сохранить контакт").click()
    expect(page.get_by_text("Контакт сохранён.")).to_be_visible()
    shot(page, "collector-04-saved")

    # back to the case: the timeline tells the call and the promise
    page.get_by_role("link", name=f"Дело № {case_id}").click()
    expect(page).to_have_url(case_url)
    timeline = page.locator("ol.timeline")
    contact_item = timeline.locator("li").filter(has_text="Контакт: Звонок — Обещал(а) оплатить").filter(
        has_text=note)
    expect(contact_item).to_have_count(1)
    expect(contact_item).to_contain_text(full_name)
    promise_item = timeline.locator("li").filter(
        has_text=re.compile(rf"Обещание оплатить 1\s234,56\s₽ до {due:%d\.%m\.%Y}"))
    expect(promise_item).to_have_count(1)
    expect(promise_item).to_contain_text("(На рассмотрении)")
    shot(page, "collector-05-timeline")

    with db_read() as db:
        case = db.session.get(Case, case_id)
        contact = db.session.scalars(select(Contact).where(Contact.account_id == case.account_id,
                                                           Contact.note == note)).one()
        assert (contact.channel, contact.outcome, contact.case_id) == ("call", "promised_to_pay", case_id)
        assert contact.author.full_name == full_name
        promise = db.session.scalars(select(Promise).where(Promise.contact_id == contact.id)).one()
        assert (promise.amount_kop, promise.due_on, promise.status) == (123456, due, "pending")
        assert promise.case_id == case_id and promise.promised_on == day
        assert isinstance(promise.due_on, date)
