"""Merge fields, declared once: name, Russian description, value function.

The help page, template validation (unknown names) and the tests all read `FIELDS`. A value function takes
the subject's source (context.Source for an account, BuildingSource, BatchSource); fields marked `param`
come from what the user typed on the issue form (court, bailiff unit, employer, dates…).
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

import segno

from ..accounts.pii import MASK, mask_tail
from ..domain import payment_qr as pq
from ..domain.jurisdiction import ARBITRAZH_ORDER_LIMIT_KOP
from . import russian as ru
from .rendering import Picture

ACCOUNT, BUILDING, BATCH, ANY = "account", "building", "batch", "any"


@dataclass(frozen=True)
class Field:
    name: str
    description: str  # Russian, shown on the help page
    value: Callable[[Any], Any]
    scope: str = ACCOUNT
    param: str | None = None  # input kind for user-entered fields: str, text, date, int, money
    example: str = ""
    pii: bool = False  # carries personal identifiers (passport, СНИЛС, phone, birth data): masked unless may_see_pii


FIELDS: list[Field] = []


def _f(name, description, value, scope=ACCOUNT, **kw):
    FIELDS.append(Field(name, description, value, scope, **kw))


def _p(name, description, kind="str", default=None, scope=ANY, fmt=None):
    """A user-entered parameter; dates are printed «dd» месяца yyyy г., money in figures and words."""
    def value(src):
        v = src.common.params.get(name, default)
        if fmt is not None:
            return fmt(v)
        if isinstance(v, date):
            return ru.ru_date(v)
        return "" if v is None else v
    FIELDS.append(Field(name, description, value, scope, param=kind))


def _ent(attr):
    return lambda s: getattr(s.common.enterprise, attr) or ""


# --------------------------------------------------------------------------- enterprise (every document)
_f("org_name", "Полное наименование предприятия (взыскателя)", _ent("name"), ANY)
_f("org_short_name", "Краткое наименование предприятия", lambda s: s.common.enterprise.short_name or s.common.enterprise.name, ANY)
_f("org_inn", "ИНН предприятия", _ent("inn"), ANY)
_f("org_kpp", "КПП предприятия", _ent("kpp"), ANY)
_f("org_ogrn", "ОГРН предприятия", _ent("ogrn"), ANY)
_f("org_address", "Юридический адрес предприятия", _ent("legal_address"), ANY)
_f("org_postal_address", "Почтовый адрес предприятия (или юридический)", lambda s: s.common.enterprise.postal_address or s.common.enterprise.legal_address or "", ANY)
_f("org_phone", "Телефон предприятия", _ent("phone"), ANY)
_f("org_email", "Электронная почта предприятия", _ent("email"), ANY)
_f("org_bank", "Банковские реквизиты одной строкой: р/с, банк, БИК, к/с", lambda s: (
    f"р/с {s.common.enterprise.settlement_account} в {s.common.enterprise.bank_name}, БИК {s.common.enterprise.bik}, "
    f"к/с {s.common.enterprise.correspondent_account}") if s.common.enterprise.settlement_account else "", ANY)
_f("signatory_position", "Должность подписанта", _ent("signatory_position"), ANY)
_f("signatory_name", "ФИО подписанта полностью", _ent("signatory_name"), ANY)
_f("signatory_initials", "Подписант: фамилия и инициалы (Иванов И. И.)", lambda s: ru.initials(s.common.enterprise.signatory_name or ""), ANY)
_f("signatory_basis", "Основание полномочий подписанта («действующего на основании Устава»)", _ent("signatory_basis"), ANY)

# --------------------------------------------------------------------------- the enterprise in the case a sentence needs
_f("creditor_gen", "Полное наименование предприятия в родительном падеже (в пользу кого? — «в пользу Муниципального "
   "унитарного предприятия «Теплоэнергосервис»»)", lambda s: _declined(s, "name_gen"), ANY)
_f("creditor_dat", "Полное наименование предприятия в дательном падеже (кому? — «Муниципальному унитарному "
   "предприятию …»)", lambda s: _declined(s, "name_dat"), ANY)
_f("creditor_instr", "Полное наименование предприятия в творительном падеже (кем? — «Муниципальным унитарным "
   "предприятием …»)", lambda s: _declined(s, "name_ins"), ANY)
_f("creditor_named", "«именуемое» / «именуемый» / «именуемая» — в роде наименования предприятия",
   lambda s: _named(s.common.enterprise.name or ""), ANY)
_f("signatory_position_gen", "Должность подписанта в родительном падеже, со строчной буквы (в лице кого? — "
   "«в лице директора»)", lambda s: _declined(s, "signatory_position_gen"), ANY)
_f("signatory_name_gen", "ФИО подписанта в родительном падеже (в лице кого? — «Ковалёва Андрея Николаевича»)",
   lambda s: _declined(s, "signatory_name_gen"), ANY)
_f("signatory_basis_gen", "Основание полномочий подписанта в родительном падеже, без «действующего на основании» "
   "(«Устава», «доверенности № 5 от 01.02.2026»)", lambda s: ru.basis_gen(s.common.enterprise.signatory_basis or "")
   or "Устава", ANY)
_f("signatory_acting", "«действующего» / «действующей» — в роде подписанта",
   lambda s: ru.acting_word(_signatory_gender(s)), ANY)

# --------------------------------------------------------------------------- the document itself
_f("doc_number", "Исходящий номер документа (123/2026)", lambda s: s.number, ANY)
_f("doc_date", "Дата документа: «22» ноября 2026 г.", lambda s: ru.ru_date(s.common.today), ANY)
_f("doc_date_short", "Дата документа: 22.11.2026", lambda s: ru.short_date(s.common.today), ANY)

# --------------------------------------------------------------------------- debtor and account
_f("debtor_name", "ФИО должника (или наименование организации), именительный падеж", lambda s: s.debtor.name)
_f("debtor_name_gen", "ФИО (наименование) должника в родительном падеже (кого? — «с Иванова Ивана Ивановича», "
   "«с Общества с ограниченной ответственностью «Ленаторг»»)", lambda s: _party_name(s.debtor, ru.GEN))
_f("debtor_name_dat", "ФИО (наименование) должника в дательном падеже (кому? — «Иванову Ивану Ивановичу»)",
   lambda s: _party_name(s.debtor, ru.DAT))
_f("debtor_initials", "Фамилия и инициалы должника", lambda s: ru.initials(s.debtor.name) if _is_person(s.debtor) else s.debtor.name)
_f("debtor_salutation", "Обращение: «Уважаемый Иван Иванович!» / «Уважаемая …!»", lambda s: _salutation(s.debtor))
_f("debtor_birth_date", "Дата рождения должника (или «не известна»)", lambda s: _birth_date(s.debtor, _masked(s)), pii=True)
_f("debtor_birth_place", "Место рождения должника (или «не известно»)", lambda s: _birth_place(s.debtor, _masked(s)),
   pii=True)
_f("debtor_identifier", "Один из идентификаторов должника (ГПК ст.124): СНИЛС, ИНН или паспорт; иначе «не известны»",
   lambda s: _identifier(s.debtor, _masked(s)), pii=True)
_f("debtor_requisites", "ИНН и ОГРН (ОГРНИП) должника-организации или индивидуального предпринимателя: «ИНН …, ОГРН …»",
   lambda s: _requisites(s.debtor))
_f("arbitrazh", "Истина, если дело подсудно арбитражному суду: должник — организация или индивидуальный "
   "предприниматель (ст.27, 28, 229.2 АПК РФ; госпошлина — ст.333.21 НК РФ)", lambda s: s.arbitrazh)
_f("debtor_address", "Адрес регистрации должника (или адрес помещения), с населённым пунктом",
   lambda s: _full_address(s, s.debtor.party.registration_address if s.debtor.party and s.debtor.party.registration_address else s.account.address))
_f("debtor_phone", "Телефон должника", lambda s: _hide_tail((s.debtor.party.phone if s.debtor.party and s.debtor.party.phone
                                                              else s.account.phone) or "", _masked(s)), pii=True)
_f("account_number", "Номер лицевого счёта", lambda s: s.account.number)
_f("premises_address", "Адрес помещения (как на квитанции), с населённым пунктом",
   lambda s: _full_address(s, s.account.address))
_f("apartment", "Номер квартиры", lambda s: s.account.apartment or "")
_f("owners_count", "Число собственников (должников)", lambda s: len(s.owners))
_f("several_owners", "Истина, если должников (долевых собственников) несколько", lambda s: len(s.owners) > 1)
_f("owners", "Список должников: name, name_gen, name_dat, share, birth_date, birth_place, identifier, requisites "
   "(ИНН, ОГРН/ОГРНИП), ip и ip_gen («индивидуальный предприниматель » / «индивидуального предпринимателя » для ИП), "
   "address, debt, penalty, duty, total, total_words (суммы по доле)", lambda s: _owners(s), pii=True)

# --------------------------------------------------------------------------- court parties (domain.parties)
_f("defendants", "Ответчики (должники) по ролям и периодам: name, name_gen, birth_date, birth_place, identifier, "
   "address, capacity («собственник 1/2 доли», «наниматель по договору социального найма», «член семьи нанимателя», "
   "«законный представитель несовершеннолетнего собственника …»). Несовершеннолетний должником не указывается",
   lambda s: _defendants(s), pii=True)
_f("minor_owners", "Несовершеннолетние собственники, чьи доли взыскиваются с законных представителей: name, "
   "birth_date, representatives_gen («в лице законного представителя Петровой Анны Ивановны»)",
   lambda s: _minor_owners(s), pii=True)
_f("claim_lines", "Требования по ответчикам: from_whom («с Иванова Ивана Ивановича (1/2 доли в праве "
   "собственности)», «солидарно с … и …»), who, basis, share, periods, jointly, debt, penalty, duty, total, "
   "total_words; в расчёте — debt_num, penalty_num, total_num (суммы сходятся с итогом до копейки)",
   lambda s: _claim_lines(s))
_f("parties_note", "Правовое основание распределения долга между ответчиками (долевые собственники, "
   "несовершеннолетние, солидарная ответственность нанимателя и членов семьи); пусто для одного должника",
   lambda s: _parties_note(s))
_f("defendant_names", "ФИО ответчиков (должников) через запятую, без несовершеннолетних («Сидоров Пётр Иванович, "
   "Сидорова Анна Петровна»)", lambda s: ", ".join(_person_name(s, k)[0] for k in s.court_parties.defendants)
   or s.debtor.name)
_f("parties_split", "Истина, если требование распределено между несколькими ответчиками (строками)",
   lambda s: len(s.court_parties.lines) > 1)

# --------------------------------------------------------------------------- debt
_f("debt_total", "Сумма долга цифрами: «1 234 руб. 56 коп.»", lambda s: ru.money(s.debt_kop))
_f("debt_total_words", "Сумма долга прописью", lambda s: ru.amount_in_words(s.debt_kop))
_f("debt_total_full", "Сумма долга цифрами и прописью в скобках", lambda s: ru.money_full(s.debt_kop))
_f("debt_from", "Начало периода задолженности (месяц и год)", lambda s: ru.ru_period(s.open_periods[0]) if s.open_periods else "")
_f("debt_to", "Конец периода задолженности (месяц и год)", lambda s: ru.ru_period(s.open_periods[-1]) if s.open_periods else "")
_f("debt_period", "Период задолженности: «с 01.01.2025 по 30.06.2025»", lambda s: _period_text(s))
_f("debt_months", "Число неоплаченных месяцев", lambda s: len(s.open_periods))
_f("debt_services", "Долг по услугам: name, amount (таблица)", lambda s: [{"name": n, "amount": ru.money(v)} for n, v, _c in s.debt_by_service])
_f("warning_services", "Коммунальные услуги, которые могут быть ограничены/приостановлены (ПП 354 п.117–119), через запятую",
   lambda s: s.common.params.get("restriction_service") or ", ".join(n.lower() for n, _v, c in s.debt_by_service if c in _RESTRICTABLE))
_f("penalty_total", "Пени на дату документа цифрами (ЖК ст.155 ч.14)", lambda s: ru.money(s.penalty_kop))
_f("penalty_words", "Пени прописью", lambda s: ru.amount_in_words(s.penalty_kop))
_f("claim_total", "Долг + пени цифрами", lambda s: ru.money(s.debt_kop + s.penalty_kop))
_f("claim_total_full", "Долг + пени цифрами и прописью", lambda s: ru.money_full(s.debt_kop + s.penalty_kop))
_f("duty_total", "Госпошлина к уплате (НК ст.333.19, в арбитражном суде — ст.333.21; за приказ — 50 %; по иску — за "
   "вычетом засчитываемой пошлины за отменённый приказ)",
   lambda s: ru.money(s.duty_kop))
_f("duty_words", "Госпошлина прописью", lambda s: ru.amount_in_words(s.duty_kop))
_f("duty_claim_total", "Госпошлина за подачу заявления (иска) полностью, до зачёта пошлины, уплаченной за отменённый "
   "судебный приказ (НК ст.333.19, в арбитражном суде — ст.333.21)", lambda s: ru.money(s.duty_gross_kop))
_f("duty_claim_words", "Госпошлина полностью (до зачёта) прописью", lambda s: ru.amount_in_words(s.duty_gross_kop))
_f("duty_credited", "Истина, если в счёт госпошлины по иску засчитывается пошлина, уплаченная за отменённый судебный "
   "приказ (отказ в его выдаче)", lambda s: s.duty_credited_kop > 0)
_f("duty_credit_total", "Засчитываемая госпошлина, уплаченная за отменённый судебный приказ (НК ст.333.20 п.1 пп.13; "
   "в арбитражном суде — ст.333.22, 333.40)", lambda s: ru.money(s.duty_credited_kop))
_f("grand_total", "Долг + пени + госпошлина (полностью, включая засчитанную) цифрами",
   lambda s: ru.money(s.debt_kop + s.penalty_kop + s.duty_gross_kop))
_f("claim_over_order_limit", "Истина, если долг и пени больше 500 000 руб. — предела судебного приказа (ГПК ст.121, "
   "АПК ст.229.2)", lambda s: s.debt_kop + s.penalty_kop > ARBITRAZH_ORDER_LIMIT_KOP)
_f("calc_date", "Дата расчёта пени", lambda s: ru.short_date(s.common.today))
_f("calc_rows", "Строки расчёта пени из движка: period, due, amount, start, end, closed_by, days_300, days_130, rate, penalty",
   lambda s: _calc_rows(s))
_f("calc_note", "Пояснение к расчёту (правила, мораторий, ставка; предварительный производственный календарь)",
   lambda s: _calc_note(s))
_f("calendar_note", "«Календарь на 2027 год предварительный: …», если сроки расчёта пришлись на год без постановления "
   "Правительства о переносе выходных (только ст.112 ТК РФ); иначе пусто", lambda s: _calendar_note(s))
_f("statement_rows", "Выписка по месяцам: month, opening, charged, paid, closing", lambda s: _statement_rows(s))
_f("statement_charged", "Начислено за период выписки", lambda s: ru.money(sum(r["charged"] for r in _statement_raw(s))))
_f("statement_paid", "Оплачено за период выписки", lambda s: ru.money(sum(r["paid"] for r in _statement_raw(s))))
_f("statement_closing", "Долг на конец периода выписки", lambda s: ru.money(_statement_raw(s)[-1]["closing"] if _statement_raw(s) else 0))
_f("travel_ban", "Истина, если долг более 10 000 руб. и можно ходатайствовать о запрете выезда (229-ФЗ ст.67)",
   lambda s: _enforce_kop(s) > 10_000_00)
_f("travel_ban_30k", "Истина, если долг более 30 000 руб. (общий порог ст.67 ч.1)", lambda s: _enforce_kop(s) > 30_000_00)
_f("writ_capacity", "Для листа на долю несовершеннолетнего: «действующая как законный представитель "
   "несовершеннолетнего собственника Петрова Ивана Сергеевича, 10.03.2014 года рождения» (иначе пусто), именительный падеж",
   lambda s: _writ_capacity(s, ru.NOM), pii=True)
_f("writ_capacity_gen", "То же в родительном падеже («о взыскании с Петровой Анны Ивановны, действующей как законный "
   "представитель …»)",
   lambda s: _writ_capacity(s, ru.GEN), pii=True)
_f("enforce_total", "Сумма по исполнительному документу цифрами и прописью", lambda s: ru.money_full(_enforce_kop(s)))

# --------------------------------------------------------------------------- payment QR code (ГОСТ Р 56042-2014)
_f("payment_qr", "QR-код для оплаты долга в приложении банка (ГОСТ Р 56042-2014; картинка 3,5 см): банковские "
   "реквизиты предприятия, сумма долга в копейках, лицевой счёт. Без банковских реквизитов — короткая пометка "
   "вместо кода", lambda s: _payment_qr(s))
_f("payment_qr_ready", "Истина, если QR-код для оплаты сформирован (банковские реквизиты предприятия заполнены и "
   "верны)", lambda s: isinstance(_payment_qr(s), Picture))

# --------------------------------------------------------------------------- case, court
_f("court_name", "Наименование суда (из дела/справочника или введённое вручную)", lambda s: s.common.params.get("court_name") or getattr(s.court, "name", "") or "")
_f("court_to", "Строка адресата: «В Арбитражный суд …» (наименование суда с предлогом «В»)",
   lambda s: _court_to(s.common.params.get("court_name") or getattr(s.court, "name", "") or ""))
_f("court_address", "Адрес суда", lambda s: s.common.params.get("court_address") or getattr(s.court, "address", "") or "")
_f("court_case_number", "Номер судебного дела / приказа (отменённого приказа, если он есть в деле)",
   lambda s: s.common.params.get("writ_number") or getattr(_order_or_record(s), "case_number", "") or "")
_f("order_date", "Дата вынесения судебного приказа / решения",
   lambda s: _date_param(s, "writ_date", getattr(_order_or_record(s), "issued_on", None)))
_f("order_cancelled_on", "Дата определения об отмене судебного приказа",
   lambda s: _date_param(s, "order_cancelled_on", getattr(_order_or_record(s), "cancelled_on", None)))
_f("order_cancelled", "Истина, если судебный приказ по делу отменён (дата отмены введена или записана в деле)",
   lambda s: bool(s.common.params.get("order_cancelled_on")) or _order_cancelled(s.order_record))
_f("pretrial_claim_number", "Номер последней досудебной претензии по делу (лицевому счёту), иначе «____»",
   lambda s: s.pretrial_claim.number if s.pretrial_claim is not None else "____")
_f("pretrial_claim_date", "Дата последней досудебной претензии: 22.11.2026, иначе «___.___.______»",
   lambda s: ru.short_date(s.pretrial_claim.issued_on) if s.pretrial_claim is not None else "___.___.______")
_f("court_heading", "Суд в строке адресата: «Мировому судье судебного участка № 22 …» или «В Ленский районный суд …»",
   lambda s: ru.court_forms(_court_name(s)).heading or BLANK)
_f("court_instr", "Суд, выдавший исполнительный документ, в творительном падеже (выданный кем? — «Ленским районным "
   "судом …», «мировым судьёй судебного участка № 12 …»)", lambda s: _court_instr(s))
_f("court_case_ref", "Номер судебного дела / приказа с одним знаком «№»: «№ 2-1234/2026»",
   lambda s: ru.paper_number(s.common.params.get("writ_number") or getattr(_order_or_record(s), "case_number", "")))
_f("writ_ref", "Номер исполнительного документа с одним знаком «№»: «ФС № 012345678», «№ 2-1234/2026»",
   lambda s: ru.paper_number(s.common.params.get("writ_number")))

# --------------------------------------------------------------------------- payment agreement schedule
_f("schedule", "График платежей соглашения: n, date, amount", lambda s: [{"n": i + 1, "date": ru.short_date(d), "amount": ru.money(a)} for i, (d, a) in enumerate(_schedule(s))])
_f("schedule_total", "Итого по графику", lambda s: ru.money(sum(a for _d, a in _schedule(s))))

# --------------------------------------------------------------------------- user-entered parameters
_p("bailiff_unit", "Отдел судебных приставов (наименование)")
_p("bailiff_address", "Адрес отдела судебных приставов")
_p("employer_name", "Работодатель должника (наименование)")
_p("employer_address", "Адрес работодателя")
_p("writ_number", "Номер исполнительного документа (судебного приказа / исполнительного листа)")
_p("writ_date", "Дата исполнительного документа", "date")
_p("writ_court", "Суд, выдавший исполнительный документ")
_p("writ_debtor", "Должник по исполнительному документу (ФИО, как в листе; пусто — должник по лицевому счёту). "
   "Суд выдаёт каждому ответчику свой лист на его часть")
_p("writ_minor", "Несовершеннолетний, за которого взыскано с должника как с законного представителя (ФИО, как в листе; "
   "пусто — лист на собственную долю должника)")
_p("restriction_service", "Коммунальная услуга для ограничения/приостановления")
_p("restriction_kind", "Вид меры: «ограничение» или «приостановление»", default="ограничение")
_p("restriction_date", "Дата и время введения ограничения/приостановления", "date")
_p("restriction_method", "Способ ограничения (технические действия, место)")
_p("warning_number", "Номер и дата предупреждения, после которого вводится мера")
_p("writeoff_ground", "Основание списания (НК ст.266 п.2: истечение срока давности, постановление пристава, банкротство…)", "text")
_p("writeoff_documents", "Документы, подтверждающие основание списания", "text")
_p("statement_from", "Начало периода выписки", "date")
_p("statement_to", "Конец периода выписки", "date")
_p("agreement_months", "Число месяцев рассрочки", "int", default=6)
_p("agreement_first_date", "Дата первого платежа по соглашению", "date")
_p("settle_days", "Срок добровольного погашения по претензии, дней", "int", default=10)
_p("register_recipient", "Получатель реестра (суд, отдел приставов или «Почта России»)", scope=BATCH)

_p("enforcement_id", "Исполнительное производство дела, на которое жалоба (по умолчанию — последнее у приставов)",
   "int")
_p("learned_on", "Дата, когда взыскатель узнал о бездействии (по умолчанию — дата документа)", "date")

# --------------------------------------------------------------------------- enforcement at the bailiffs (жалоба)
_f("fssp_unit", "Отдел судебных приставов, где ведётся исполнительное производство (из дела или введённый)",
   lambda s: enforcement_unit_name(s) or BLANK)
_f("fssp_unit_address", "Адрес отдела судебных приставов",
   lambda s: s.common.params.get("bailiff_address") or getattr(getattr(_enf(s), "bailiff_unit", None), "address", "")
   or BLANK)
_f("fssp_bailiff", "Судебный пристав-исполнитель, ведущий производство (из сверки с ФССП), иначе пропуск",
   lambda s: getattr(_enf(s), "bailiff_name", None) or BLANK)
_f("ip_number", "Номер исполнительного производства: «12345/26/14021-ИП»",
   lambda s: getattr(_enf(s), "proceedings_number", None) or BLANK)
_f("ip_date", "Дата возбуждения исполнительного производства: 05.03.2026",
   lambda s: ru.short_date(_enf(s).proceedings_opened_on) if getattr(_enf(s), "proceedings_opened_on", None)
   else "___.___.______")
_f("ip_term_passed", "Истина, если двухмесячный срок исполнения (229-ФЗ ст.36 ч.1) со дня возбуждения истёк",
   lambda s: _ip_term_passed(s))
_f("enf_writ_ref", "Исполнительный документ производства с одним знаком «№»: «ВС № 012345678»",
   lambda s: ru.paper_number(getattr(_enf(s), "writ_number", "") or ""))
_f("enf_writ_date", "Дата исполнительного документа производства: 10.02.2026",
   lambda s: ru.short_date(_enf(s).writ_date) if _enf(s) is not None else "___.___.______")
_f("enf_amount", "Сумма по исполнительному документу производства цифрами и прописью",
   lambda s: ru.money_full(getattr(_enf(s), "amount_kop", 0) or 0))
_f("enf_received", "Поступило взыскателю по производству (платежи через приставов со дня предъявления)",
   lambda s: ru.money_full(_enf_facts(s)["received_kop"]))
_f("enf_received_any", "Истина, если по производству что-то поступало", lambda s: _enf_facts(s)["received_kop"] > 0)
_f("enf_rest", "Остаток по исполнительному документу цифрами и прописью",
   lambda s: ru.money_full(max(0, (getattr(_enf(s), "amount_kop", 0) or 0) - _enf_facts(s)["received_kop"])))
_f("enf_sent_date", "Дата предъявления исполнительного документа приставам: 01.03.2026",
   lambda s: ru.short_date(_enf(s).sent_on) if _enf(s) is not None else "___.___.______")
_f("silence_since", "С какой даты по производству ничего не происходит (последнее поступление, смена статуса "
   "или предъявление): 01.03.2026", lambda s: ru.short_date(_enf_facts(s)["since"]) if _enf_facts(s)["since"]
   else "___.___.______")
_f("silence_days", "Сколько дней по производству ничего не происходит", lambda s: _enf_facts(s)["days"])
_f("learned_date", "Дата, когда взыскатель узнал о бездействии: 05.12.2026",
   lambda s: ru.short_date(s.common.params.get("learned_on") or s.common.today))

# --------------------------------------------------------------------------- per-building notice (152-ФЗ)
_f("building_address", "Адрес дома", lambda s: s.building.address, BUILDING)
_f("building_rows", "Квартиры с долгом: apartment, debt (без ФИО — 152-ФЗ)", lambda s: [
    {"apartment": r["apartment"] or "—", "debt": ru.money(r["debt_kop"])} for r in s.rows], BUILDING)
_f("building_total", "Общий долг по дому", lambda s: ru.money(sum(r["debt_kop"] for r in s.rows)), BUILDING)
_f("building_count", "Число квартир с долгом", lambda s: len(s.rows), BUILDING)

# --------------------------------------------------------------------------- dispatch register
_f("register_rows", "Строки реестра: n, number, date, title, addressee, address, amount", lambda s: [
    {"n": i + 1, "number": d.number, "date": ru.short_date(d.issued_on), "title": d.title, "addressee": d.addressee,
     "address": d.account.address if d.account is not None else "", "amount": ru.money(d.amount_kop or 0)}
    for i, d in enumerate(s.documents)], BATCH)
_f("register_count", "Число документов в реестре", lambda s: len(s.documents), BATCH)
_f("register_to", "Получатель реестра", lambda s: s.recipient, BATCH)

FIELD_BY_NAME: dict[str, Field] = {f.name: f for f in FIELDS}
PARAM_FIELDS: dict[str, Field] = {f.name: f for f in FIELDS if f.param}
PII_FIELDS: frozenset[str] = frozenset(f.name for f in FIELDS if f.pii)
# names Jinja provides itself inside templates
BUILTIN_NAMES = {"loop", "range", "true", "false", "none", "True", "False", "None"}

_RESTRICTABLE = {"hot_water", "cold_water", "sewage", "electricity", "gas"}


BLANK = "____________________"


def _enf(s):
    """The case's enforcement at the bailiffs the letter is about: the one chosen (`enforcement_id`) if it is the
    case's, else the latest sent to the bailiffs; None without one."""
    if "enforcement" not in s.extra:
        from sqlalchemy import select

        from ..cases.models import Enforcement
        from ..extensions import db

        case_id = getattr(s.case, "id", None)
        found = None
        if case_id is not None and s.from_db:
            chosen = s.common.params.get("enforcement_id")
            if chosen:
                found = db.session.get(Enforcement, int(chosen))
                if found is not None and found.case_id != case_id:
                    found = None
            if found is None:
                found = db.session.scalars(select(Enforcement).where(
                    Enforcement.case_id == case_id, Enforcement.destination == "bailiff")
                    .order_by(Enforcement.sent_on.desc(), Enforcement.id.desc()).limit(1)).first()
        s.extra["enforcement"] = found
    return s.extra["enforcement"]


def enforcement_unit_name(s) -> str:
    """The bailiff unit a bailiff letter goes to: typed on the form, else the unit of the case's enforcement."""
    e = _enf(s) if hasattr(s, "case") else None
    return s.common.params.get("bailiff_unit") or getattr(getattr(e, "bailiff_unit", None), "name", "") or ""


def _ip_term_passed(s) -> bool:
    """The two months to execute the writ (229-ФЗ ст.36 ч.1) from the initiation (else the presentation) are over."""
    e = _enf(s)
    start = getattr(e, "proceedings_opened_on", None) or getattr(e, "sent_on", None)
    if start is None:
        return False
    y, m = divmod(start.month + 1, 12)
    day = min(start.day, 28)
    return s.common.today > date(start.year + y, m + 1, day)


def _enf_facts(s) -> dict:
    """Receipts through the bailiffs since the writ was presented, and the last movement (receipt, status change,
    initiation or presentation) with the days since — the facts of inactivity a complaint states."""
    if "enforcement_facts" not in s.extra:
        e = _enf(s)
        facts = {"received_kop": 0, "since": None, "days": 0}
        if e is not None:
            from sqlalchemy import func, select

            from ..accounts.models import LedgerEntry
            from ..extensions import db

            received, last = db.session.execute(select(
                func.coalesce(func.sum(LedgerEntry.amount_kop), 0), func.max(LedgerEntry.paid_on)).where(
                LedgerEntry.account_id == s.account.id, LedgerEntry.kind == "payment",
                LedgerEntry.source.in_(("enforcement", "employer")), LedgerEntry.paid_on >= e.sent_on)).one()
            since = max(d for d in (e.sent_on, last, e.proceedings_opened_on, e.status_changed_on) if d is not None)
            facts = {"received_kop": int(received or 0), "since": since,
                     "days": max(0, (s.common.today - since).days)}
        s.extra["enforcement_facts"] = facts
    return s.extra["enforcement_facts"]


def _declined(s, attr: str) -> str:
    from ..enterprise.declension import declined

    return declined(s.common.enterprise, attr)


def _named(name: str) -> str:
    return {"m": "именуемый", "f": "именуемая", "pl": "именуемые"}.get(ru.org_gender(name), "именуемое")


def _signatory_gender(s) -> str | None:
    last, first, middle = ru.split_fio(s.common.enterprise.signatory_name or "")
    return ru.detect_gender(first, middle, None, last)


def _court_name(s) -> str:
    return s.common.params.get("court_name") or getattr(s.court, "name", "") or ""


def _court_instr(s) -> str:
    """The court that issued the writ, in the instrumental: the one typed on the form, else the case's court."""
    name = s.common.params.get("writ_court") or getattr(s.court, "name", "") or ""
    return ru.court_forms(name).ins or BLANK


def _party_name(owner, case: str) -> str:
    """A debtor's name in a case: a person's by petrovich, an organisation's descriptive words by the dictionary
    («Общества с ограниченной ответственностью «Ленаторг»»; «ООО «Ленаторг»» stays)."""
    if _is_person(owner):
        return ru.decline_full_name(owner.name, case, owner.gender)
    return ru.decline_phrase(owner.name, case)


def _is_person(owner) -> bool:
    return owner.party is None or owner.party.kind == "person"


def _salutation(owner) -> str:
    if not _is_person(owner):
        return "Уважаемые господа!"
    last, first, middle = ru.split_fio(owner.name)
    g = ru.detect_gender(first, middle, owner.gender)
    who = " ".join(p for p in (first, middle) if p) or owner.name
    return f"{'Уважаемая' if g == 'f' else 'Уважаемый'} {who}!"


MASK_KEY = "mask_pii"
HIDDEN = MASK * 3  # birth data and the passport's issuer are hidden whole, as on the account page (accounts.pii)


def _masked(s) -> bool:
    """Is this context built for a role that may not see personal identifiers (build_context(mask=True))?"""
    return bool(getattr(s, "extra", {}).get(MASK_KEY))


def _hide_tail(value: str, masked: bool) -> str:
    """The identifier itself, or (masked) only its last digits — the one masking rule, casework.accounts.pii."""
    return mask_tail(value, 4) if masked and value else value


def _birth_date(owner, masked: bool = False) -> str:
    p = owner.party
    if p is None or not p.birth_date:
        return "не известна"
    return HIDDEN if masked else ru.short_date(p.birth_date)


def _birth_place(owner, masked: bool = False) -> str:
    p = owner.party
    if p is None or not p.birth_place:
        return "не известно"
    return HIDDEN if masked else p.birth_place


def _identifier(owner, masked: bool = False) -> str:
    p = owner.party
    if p is None:
        return "идентификаторы должника взыскателю не известны"
    if p.kind == "organization":  # an organisation's ИНН and ОГРН are public (ЕГРЮЛ): never masked
        return ", ".join(x for x in (f"ИНН {p.inn}" if p.inn else "", f"ОГРН {p.ogrn}" if p.ogrn else "") if x) or "не известны"
    if p.snils:
        return f"СНИЛС {_hide_tail(p.snils, masked)}"
    if p.inn:
        return f"ИНН {_hide_tail(p.inn, masked)}"
    if p.passport_number:
        out = "паспорт " + _hide_tail(f"{p.passport_series or ''} № {p.passport_number}".strip(), masked)
        if p.passport_issued_by:
            out += f", выдан {HIDDEN if masked else p.passport_issued_by}"
        if p.passport_issued_on:
            out += f" {HIDDEN if masked else ru.short_date(p.passport_issued_on)}"
        return out
    return "идентификаторы должника взыскателю не известны"


def _requisites(owner) -> str:
    """«ИНН …, ОГРН …» of an organisation, «ИНН …, ОГРНИП …» of an entrepreneur (ОГРНИП has 15 digits)."""
    p = owner.party
    if p is None:
        return "ИНН и ОГРН должника взыскателю не известны"
    label = "ОГРНИП" if p.ogrn and len(p.ogrn.strip()) == 15 else "ОГРН"
    parts = [f"ИНН {p.inn}" if p.inn else "", f"{label} {p.ogrn}" if p.ogrn else ""]
    return ", ".join(x for x in parts if x) or "ИНН и ОГРН должника взыскателю не известны"


def _ip_prefix(owner, case) -> str:
    """«индивидуальный предприниматель » (or «индивидуального предпринимателя ») before the name of a citizen
    with an ОГРНИП; empty for an organisation, a plain citizen or a name already starting with «ИП»."""
    from ..domain.jurisdiction import DebtorKind, debtor_kind

    p = owner.party
    if p is None or p.kind != "person" or debtor_kind(p.kind, p.ogrn, p.full_name) != DebtorKind.ENTREPRENEUR:
        return ""
    if (p.full_name or "").strip().lower().startswith(("ип ", "индивидуальный предприниматель")):
        return ""
    return "индивидуального предпринимателя " if case == ru.GEN else "индивидуальный предприниматель "


def _order_or_record(s):
    """The cancelled / refused court order of the case when there is one, else the latest court filing."""
    return s.order_record if s.order_record is not None else s.court_record


def _order_cancelled(rec) -> bool:
    return rec is not None and (rec.cancelled_on is not None or rec.outcome == "cancelled")


def _court_to(name: str) -> str:
    """The addressee line of an application: «В Арбитражный суд …» (kept when the name already starts with «В»)."""
    name = name.strip()
    if not name or name[:2] in ("В ", "в "):
        return name
    return f"В {name}"


def _owners(s) -> list[dict]:
    shares = [(o.share_num or 1, o.share_den or 1) for o in s.owners]
    if len(s.owners) > 1 and not all(o.share_num for o in s.owners):
        shares = [(1, len(s.owners))] * len(s.owners)  # equal shares when none are recorded (ГК ст.245 п.1)
    debt = ru.split_by_shares(s.debt_kop, shares)
    pen = ru.split_by_shares(s.penalty_kop, shares)
    duty = ru.split_by_shares(s.duty_gross_kop, shares)  # the whole duty is a cost claimed back (incl. a credit)
    out = []
    masked = _masked(s)
    for i, o in enumerate(s.owners):
        total = debt[i] + pen[i] + duty[i]
        out.append({
            "name": o.name,
            "name_gen": _party_name(o, ru.GEN),
            "name_dat": _party_name(o, ru.DAT),
            "share": ru.share_text(*shares[i]) if len(s.owners) > 1 else ru.share_text(o.share_num, o.share_den),
            "birth_date": _birth_date(o, masked),
            "birth_place": _birth_place(o, masked),
            "identifier": _identifier(o, masked),
            "requisites": _requisites(o),
            "ip": _ip_prefix(o, "nom"), "ip_gen": _ip_prefix(o, ru.GEN),
            "address": _full_address(s, o.party.registration_address if o.party is not None
                                     and o.party.registration_address else s.account.address),
            "debt": ru.money(debt[i]), "penalty": ru.money(pen[i]), "duty": ru.money(duty[i]),
            "total": ru.money(total), "total_words": ru.amount_in_words(total),
        })
    return out


def _period_text(s) -> str:
    if not s.open_periods:
        return ""
    first, last = s.open_periods[0], s.open_periods[-1]
    import calendar as _c

    end = last.replace(day=_c.monthrange(last.year, last.month)[1])
    return f"с {ru.short_date(first)} по {ru.short_date(end)}"


def _calc_rows(s) -> list[dict]:
    res = s.penalty
    if res is None:
        return []
    out = []
    rows, printed = _printed_rows(s)
    for r, row_kop in zip(rows, printed):
        if r.paid:
            label = s.payment_label(r.payment_ref)
            if label.startswith("перерасчёт"):
                closed = f"{label} ({ru.short_date(r.end)})"
            else:
                closed = f"оплата {ru.short_date(r.end)}" + (f" ({label})" if label else "")
        else:
            closed = f"не оплачено на {ru.short_date(r.end)}"
        out.append({
            "period": ru.ru_period(date(r.period.year, r.period.month, 1)),
            "due": ru.short_date(r.due_date),
            "amount": ru.number_rub(r.amount_kop),
            "start": ru.short_date(r.start), "end": ru.short_date(r.end),
            "closed_by": closed,
            "days_300": r.days_1_300, "days_130": r.days_1_130,
            "rate": f"{r.rate_percent}".replace(".", ",") + " %" if r.rate_percent is not None else "по дням",
            "penalty": ru.number_rub(row_kop),
        })
    return out


def _printed_rows(s) -> tuple[list, list[int]]:
    """The penalty rows a letter prints (a claim's chosen months only) and each row's penalty in kopecks as printed:
    the rows add up exactly to the printed total (the engine's total, or the claim's penalty rounded once;
    ru.apportion_kopecks); a row may then differ by one kopeck from its own rounding (calc-contract §3.3 p.5: the
    total governs)."""
    from fractions import Fraction

    from ..domain.penalty import DEN

    res = s.penalty
    chosen = s.claim.selected if getattr(s, "uses_claim", False) else None  # a claim's months only
    rows = [r for r in res.rows if chosen is None or r.period in chosen]
    total = s.penalty_kop if chosen is not None else int(res.total * 100)
    return rows, ru.apportion_kopecks([Fraction(r.units, DEN) for r in rows], total)


def _rounding_note(s) -> str:
    """A sentence when a printed row differs from its own rounding (the rows are made to add up to the total)."""
    res = s.penalty
    if res is None or not res.rows:
        return ""
    rows, printed = _printed_rows(s)
    own = [int(r.penalty * 100) for r in rows]
    if own == printed:
        return ""
    return ("Пени по строкам округлены до копеек так, что их сумма равна итогу, исчисленному без промежуточного "
            "округления; отдельная строка может отличаться от своего округления на 1 коп.")


def _calc_note(s) -> str:
    if s.penalty is None:
        note = s.extra.get("penalty_error") or "Пени не начислены: нет начислений."
    else:
        note = ("Пени рассчитаны по ч.14 ст.155 ЖК РФ: первые 30 дней просрочки без пени, с 31-го по 90-й день — "
                "1/300, с 91-го дня — 1/130 ставки рефинансирования (ключевой ставки) Банка России на день оплаты, "
                "для неоплаченного долга — на дату расчёта; с 28.02.2022 — не выше 9,5 % (ПП РФ № 474, № 329); "
                "дни моратория (ПП РФ № 424, № 497) исключены; оплаты зачтены по ст.319.1 ГК РФ.")
    cal = _calendar_note(s)
    rounding = _rounding_note(s)
    return " ".join(x for x in (note, cal, rounding) if x)


def _calendar_note(s) -> str:
    """«Календарь на 2027 год предварительный: …» when a due date or a last day to file of the calculation was
    looked up in a year without the government decree's transfers (ТК РФ ст.112 alone), else empty."""
    years = s.provisional_years
    if not years:
        return ""
    which = f"{years[0]} год" if len(years) == 1 else ", ".join(str(y) for y in years) + " годы"
    return (f"Календарь на {which} предварительный: переносы по постановлению Правительства не внесены, сроки "
            "определены по ст.112 ТК РФ.")


def _statement_raw(s) -> list[dict]:
    key = "_statement"
    if key not in s.extra:
        frm, to = s.common.params.get("statement_from"), s.common.params.get("statement_to")
        rows = s.monthly
        if frm:
            rows = [r for r in rows if r["month"] >= frm.replace(day=1)]
        if to:
            rows = [r for r in rows if r["month"] <= to]
        s.extra[key] = rows
    return s.extra[key]


def _statement_rows(s) -> list[dict]:
    return [{"month": ru.ru_period(r["month"]), "opening": ru.number_rub(r["opening"]), "charged": ru.number_rub(r["charged"]),
             "paid": ru.number_rub(r["paid"]), "closing": ru.number_rub(r["closing"])} for r in _statement_raw(s)]


def _enforce_kop(s) -> int:
    rec = s.court_record
    awarded = getattr(rec, "awarded_kop", None) if rec is not None else None
    if s.common.params.get("enforce_kop"):
        return int(s.common.params["enforce_kop"])
    return int(awarded) if awarded else s.debt_kop + s.penalty_kop + s.duty_kop


QR_WIDTH_MM = 35  # the printed side of the payment QR code
QR_PURPOSE = "Оплата задолженности за ЖКУ, л/с {account}"
_QR_LABELS = {"Name": "наименование", "PersonalAcc": "расчётный счёт", "BankName": "банк", "BIC": "БИК",
              "CorrespAcc": "корреспондентский счёт"}


def payment_payee(ent) -> pq.Payee:
    """The enterprise's bank details as the payee of a payment QR code (its short name when it has one)."""
    return pq.Payee(name=ent.short_name or ent.name or "", personal_acc=ent.settlement_account or "",
                    bank_name=ent.bank_name or "", bic=ent.bik or "", corresp_acc=ent.correspondent_account or "",
                    inn=ent.inn or "", kpp=ent.kpp or "")


def payment_qr_problems(ent) -> list[str]:
    """What keeps the enterprise's letters from carrying a payment QR code, in Russian words (empty when none)."""
    return [_QR_LABELS[k] for k in pq.payee_problems(payment_payee(ent))]


def payment_qr_value(ent, sum_kop: int, account_number: str) -> Picture | str:
    """The payment QR code of one account (a Picture carrying its payload as text), or — without usable bank
    details — the short note a letter prints instead."""
    problems = payment_qr_problems(ent)
    if problems:
        return ("QR-код для оплаты не приведён: в банковских реквизитах получателя не заполнены или неверны "
                + ", ".join(problems) + ".")
    payload = pq.build_payload(payment_payee(ent), sum_kop=sum_kop, purpose=QR_PURPOSE.format(account=account_number),
                               pers_acc=account_number)
    return Picture(qr_png(pq.payload_bytes(payload)), QR_WIDTH_MM, payload)


def qr_png(data: bytes) -> bytes:
    """A QR code of exactly these bytes (one byte-mode segment, no ECI: the payload's header names its character
    set), error correction M, the 4-module quiet zone, as PNG (segno)."""
    qr = segno.make_qr(data, error="m", mode="byte", boost_error=False)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=3, border=4)
    return buf.getvalue()


def _payment_qr(s) -> Picture | str:
    key = "_payment_qr"
    if key not in s.extra:
        s.extra[key] = payment_qr_value(s.common.enterprise, s.debt_kop, s.account.number)
    return s.extra[key]


def _date_param(s, name, fallback):
    v = s.common.params.get(name) or fallback
    return ru.ru_date(v) if v else "«___» ________ 20__ г."


def _schedule(s) -> list[tuple[date, int]]:
    """Equal monthly instalments of the debt, the last one taking the remainder (kopecks add up exactly)."""
    from ..domain.periods import add_months

    key = "_schedule"
    if key not in s.extra:
        n = max(1, int(s.common.params.get("agreement_months") or 6))
        first = s.common.params.get("agreement_first_date") or s.common.today
        base, rest = divmod(s.debt_kop, n)
        s.extra[key] = [(add_months(first, i), base + (rest if i == n - 1 else 0)) for i in range(n)]
    return s.extra[key]


def build_context(src, names, mask: bool = False) -> dict:
    """Values of the named fields for a source (only the fields the template uses are computed); with `mask`, the
    personal identifiers (PII_FIELDS) keep only their last digits, for a role that may not see them in full."""
    extra = getattr(src, "extra", None)
    if extra is not None:
        extra[MASK_KEY] = mask
    ctx = {}
    for name in names:
        f = FIELD_BY_NAME.get(name)
        if f is not None:
            ctx[name] = f.value(src)
    return ctx


def uses_pii(names) -> bool:
    """Does a template with these merge fields carry personal identifiers?"""
    return not PII_FIELDS.isdisjoint(names)


# --------------------------------------------------------------------------- court parties
def _settlement(s) -> str:
    """The name of the account's settlement (its building's territory, else its own), «» when none is recorded."""
    if not hasattr(s, "_cw_settlement"):
        from ..accounts.models import Building, Territory
        from ..extensions import db

        acc = s.account
        tid = None
        if acc is not None and acc.building_id is not None:
            b = db.session.get(Building, acc.building_id)
            tid = b.territory_id if b is not None else None
        tid = tid or (acc.territory_id if acc is not None else None)
        t = db.session.get(Territory, tid) if tid else None
        object.__setattr__(s, "_cw_settlement", t.name if t is not None else "")
    return s._cw_settlement


def _full_address(s, address: str | None) -> str:
    """An address a court or bailiff can place (ГПК 124 ч.2 п.3, 131 ч.2 п.3: the debtor's place of residence):
    billing files often give the street and house only, with the settlement in a column of its own — then the
    settlement is put in front («г. Ленск, ул. Янова, д. 44, кв. 99»)."""
    address = (address or "").strip()
    town = _settlement(s)
    if not address or not town:
        return address
    bare = town.split(".", 1)[-1].strip().lower() if "." in town else town.lower()
    if bare and bare in address.lower():
        return address
    return f"{town}, {address}"


def _person_name(s, key) -> tuple[str, str | None, object]:
    """(full name, gender, party or None) of a key of domain.parties (a party id; 0 = the account's debtor); a
    gender not recorded (persons files rarely carry it) is told from the patronymic, as the declension does."""
    p = s.party_by_id.get(key)
    name, gender, party = (s.debtor.name, s.debtor.gender, s.debtor.party) if p is None else (p.full_name, p.gender, p)
    if gender is None and name:
        last, first, middle = ru.split_fio(name)
        gender = ru.detect_gender(first, middle, None, last)
    return name, gender, party


def _as_owner(s, key):
    from .context import Owner

    name, gender, party = _person_name(s, key)
    return Owner(party, name, gender, None, None)


def _gen(s, key) -> str:
    return _party_name(_as_owner(s, key), ru.GEN)


def _share_words(share) -> str:
    return f"{share.numerator}/{share.denominator} доли" if share is not None and share != 1 else "единоличной собственности"


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " и " + names[-1]


def _spans_text(spans) -> str:
    return ", ".join(f"с {ru.short_date(a)} по {ru.short_date(b)}" for a, b in spans)


def _minor_words(s, key) -> str:
    """«несовершеннолетнего собственника Петрова Ивана Сергеевича, 10.03.2014 года рождения» (genitive)."""
    name, _g, party = _person_name(s, key)
    born = f", {ru.short_date(party.birth_date)} года рождения" if party is not None and party.birth_date and not _masked(s) else ""
    return f"несовершеннолетнего собственника {_gen(s, key)}{born}"


def _capacity(s, key) -> str:
    from ..domain.parties import MINOR_SHARE, SHARE

    out = []
    for ln in s.court_parties.lines_of(key):
        if ln.basis == SHARE:
            t = ("собственник " + _share_words(ln.share).replace("единоличной собственности", "помещения")
                 if ln.share is not None and ln.share != 1 else "собственник помещения")
        elif ln.basis == MINOR_SHARE:
            t = "законный представитель " + _minor_words(s, ln.minor)
        else:
            role = next((x.role for x in s.party_persons if x.key == key), "tenant")
            t = ("наниматель по договору социального найма" if role == "tenant" and s.account.tenure == "social_tenancy"
                 else "наниматель" if role == "tenant" else "член семьи нанимателя")
        if t not in out:
            out.append(t)
    return "; ".join(out)


def _defendants(s) -> list[dict]:
    """Each defendant once, in order of first appearance in the claim's lines (a minor never: ГК 21, 28)."""
    masked = _masked(s)
    out = []
    for key in s.court_parties.defendants:
        o = _as_owner(s, key)
        out.append({
            "name": o.name, "name_gen": _party_name(o, ru.GEN), "name_dat": _party_name(o, ru.DAT),
            "birth_date": _birth_date(o, masked), "birth_place": _birth_place(o, masked),
            "identifier": _identifier(o, masked), "requisites": _requisites(o),
            "address": _full_address(s, o.party.registration_address if o.party is not None
                                     and o.party.registration_address else s.account.address),
            "capacity": _capacity(s, key),
        })
    return out


def writ_minor_key(s):
    """The child the writ names the debtor as acting for (`writ_minor`, matched by name among the account's other
    persons — the writ, not today's age, says so), or None when no name is typed; a name not on the account raises
    LookupError with the names that are."""
    wanted = _norm_name(s.common.params.get("writ_minor"))
    if not wanted:
        return None
    debtor = s.debtor.party.id if s.debtor.party is not None else 0
    others = list(dict.fromkeys(p.id for _ap, p in s.persons if p.id != debtor))
    for key in others:
        if _norm_name(_person_name(s, key)[0]) == wanted:
            return key
    raise LookupError(", ".join(_person_name(s, key)[0] for key in others))


def _norm_name(name) -> str:
    return " ".join(str(name or "").split()).casefold().replace("ё", "е")


def _writ_capacity(s, case: str) -> str:
    """A writ on a minor's share is against the parent or guardian acting for the child (ГК ст.21, 26, 28; Пленум ВС
    № 22 п.28): «действующая как законный представитель несовершеннолетнего собственника …, … года рождения»
    (to follow the debtor's name), worded as the court order application words it."""
    key = writ_minor_key(s)
    if key is None:
        return ""
    _n, gender, _p = _person_name(s, s.debtor.party.id if s.debtor.party is not None else 0)
    acting = {(ru.NOM, "f"): "действующая", (ru.GEN, "f"): "действующей"}.get(
        (case, gender), "действующий" if case == ru.NOM else "действующего")
    return f"{acting} как законный представитель {_minor_words(s, key)}"


def _minor_owners(s) -> list[dict]:
    from ..domain.parties import MINOR_SHARE

    out = []
    res = s.court_parties
    for key in res.minors:
        reps = []
        for ln in res.lines:
            if ln.basis == MINOR_SHARE and ln.minor == key:
                reps += [d for d in ln.debtors if d not in reps]
        if not reps:
            continue
        o = _as_owner(s, key)
        out.append({"name": o.name, "birth_date": _birth_date(o, _masked(s)),
                    "representatives_gen": ("в лице законного представителя " if len(reps) == 1
                                            else "в лице законных представителей ") + _joined([_gen(s, r) for r in reps])})
    return out


def _claim_lines(s) -> list[dict]:
    """The claim per line of domain.parties: who answers, on what ground, for which days and how much; the duty
    (the whole, a credit included) shared by the lines' sums (ГПК ст.98), kopecks adding up exactly."""
    from fractions import Fraction

    from ..domain.parties import MINOR_SHARE, SHARE, apportion

    res = s.court_parties
    totals = [ln.total_kop for ln in res.lines]
    whole = sum(totals)
    duty_total = s.duty_gross_kop
    duties = apportion([Fraction(duty_total * t, whole) for t in totals], duty_total) if whole else [0] * len(totals)
    several = len(res.lines) > 1 or len(res.defendants) > 1
    out = []
    for ln, duty in zip(res.lines, duties):
        names_gen = [_gen(s, k) for k in ln.debtors]
        names = [_person_name(s, k)[0] for k in ln.debtors]
        if ln.basis == SHARE:
            basis = (f"собственник {_share_words(ln.share)} в праве собственности"
                     if ln.share is not None and ln.share != 1 else "собственник")
            from_whom = f"с {names_gen[0]}" + (f" ({_share_words(ln.share)} в праве собственности)"
                                               if ln.share is not None and ln.share != 1 else "")
            share = ru.share_text(ln.share.numerator, ln.share.denominator) if ln.share is not None else (
                "доля не указана" if several else "")
        elif ln.basis == MINOR_SHARE:
            part = f" в размере {ln.part.numerator}/{ln.part.denominator}" if ln.part is not None and ln.part != 1 else ""
            minor_share = _share_words(ln.share) if ln.share is not None and ln.share != 1 else "доли"
            _n, gender, _p = _person_name(s, ln.debtors[0])
            basis = f"законный представитель {_minor_words(s, ln.minor)} (за его {minor_share}{part})"
            from_whom = (f"с {names_gen[0]}, {ru.acting_word(gender)} как законный представитель "
                         f"{_minor_words(s, ln.minor)}, — за {minor_share} несовершеннолетнего{part}")
            share = minor_share + part
        else:
            basis = "наниматель и члены его семьи солидарно (ч.2 ст.69 ЖК РФ)" if ln.jointly else "наниматель"
            from_whom = ("солидарно с " if ln.jointly else "с ") + _joined(names_gen)
            share = "солидарно" if ln.jointly else ""
        total = ln.total_kop + duty
        out.append({
            "from_whom": from_whom, "who": (", ".join(names) + (" (солидарно)" if ln.jointly else "")),
            "basis": basis, "share": share, "jointly": ln.jointly,
            "periods": _spans_text(ln.spans), "months": len(ln.months),
            "debt": ru.money(ln.debt_kop), "penalty": ru.money(ln.penalty_kop), "duty": ru.money(duty),
            "total": ru.money(total), "total_words": ru.amount_in_words(total),
            "debt_num": ru.number_rub(ln.debt_kop), "penalty_num": ru.number_rub(ln.penalty_kop),
            "total_num": ru.number_rub(ln.total_kop),
        })
    return out


def _parties_note(s) -> str:
    from ..domain.parties import MINOR_SHARE, SHARE, TENANCY

    res = s.court_parties
    bases = {ln.basis for ln in res.lines}
    parts = []
    if SHARE in bases and (len(res.lines) > 1 or any(ln.share not in (None, 1) for ln in res.lines)):
        parts.append("Помещение находится в общей долевой собственности: задолженность предъявляется каждому "
                     "собственнику соразмерно его доле за период, когда он был собственником (ст.249 ГК РФ, ч.2 "
                     "ст.153, ч.1 ст.158 ЖК РФ, п.27 постановления Пленума Верховного Суда РФ от 27.06.2017 № 22).")
    if MINOR_SHARE in bases:
        parts.append("Обязанность по оплате за долю несовершеннолетнего собственника несут его родители (законные "
                     "представители) в равных долях (ст.21, 26, 28 ГК РФ, ст.61, 64 СК РФ, п.28 постановления Пленума "
                     "Верховного Суда РФ от 27.06.2017 № 22).")
    if TENANCY in bases and any(ln.jointly for ln in res.lines):
        parts.append("Дееспособные члены семьи нанимателя жилого помещения по договору социального найма несут "
                     "солидарную с нанимателем ответственность по обязательствам, вытекающим из договора (ч.2 ст.69 "
                     "ЖК РФ), поэтому задолженность предъявляется к ним солидарно.")
    return " ".join(parts)
