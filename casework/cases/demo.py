"""Demo casework for the demo enterprise (called by `casework demo` through DEMO_EXTENSIONS).

Adds the courts and bailiff units of the demo territories (Lensk district of Yakutia, Severo-Yeniseysky district
of Krasnoyarsk krai) with treasury details for the duty, links every building to its magistrate sector, and
opens cases for the debtors above the threshold, spread across the stages with a consistent history. Every step
goes through the case services with `today` set to the historical day, so each one passed the same legal guards
a user's step would (a step the guards refuse on the generated facts is simply not taken). Then the daily job
raises today's deadlines and alerts, so each demo user's queue has work. Deterministic for a given `rng`.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, select, update

from ..accounts.models import Account, AccountBalance, AccountServiceNorm, Building, LedgerEntry, Service, Territory
from ..auth.models import User
from ..demo.generator import weighted_choice
from ..domain.errors import DomainError
from ..domain.stages import COURT_ORDER_LIMIT_KOP, EMPLOYER_LIMIT_KOP
from ..extensions import db
from . import services
from .models import BailiffUnit, Case, Court

# Since 2023 the state duty is paid to the single tax account (Казначейство России (ФНС России)); the KBK
# tells general courts from arbitrazh courts and the OKTMO names the municipality of the court.
_EKS = dict(payee_name="Казначейство России (ФНС России)", payee_inn="7727406020", payee_kpp="770801001",
            treasury_account="03100643000000018500", bik="017003983")
KBK_GENERAL = "18210803010011050110"     # госпошлина по делам в судах общей юрисдикции, у мировых судей
KBK_ARBITRAZH = "18210801000011050110"   # госпошлина по делам в арбитражных судах

# code, kind, name, sector, judge, address, phone, OKTMO, territories served ("*" = the rest of the district),
# streets of the town served (None = all)
LENSK_STREETS_22 = ("ул. Ленина", "ул. Победы", "ул. Октябрьская", "ул. Первомайская", "ул. Орджоникидзе",
                    "ул. Чапаева", "ул. Дзержинского", "ул. Пролетарская", "ул. Кирова", "ул. Комсомольская")
COURTS = [
    ("LEN-MS22", "magistrate", "Судебный участок № 22 Ленского района Республики Саха (Якутия)", "22",
     "Афанасьева Сардана Николаевна", "678144, Республика Саха (Якутия), г. Ленск, ул. Ленина, д. 38",
     "8 (41137) 4-22-61", "98627101", ("г. Ленск",), LENSK_STREETS_22),
    ("LEN-MS23", "magistrate", "Судебный участок № 23 Ленского района Республики Саха (Якутия)", "23",
     "Коркина Елена Викторовна", "678144, Республика Саха (Якутия), г. Ленск, ул. Ленина, д. 38",
     "8 (41137) 4-23-18", "98627101", ("г. Ленск",), "rest"),
    ("LEN-MS24", "magistrate", "Судебный участок № 24 Ленского района Республики Саха (Якутия)", "24",
     "Ноговицын Иннокентий Егорович", "678170, Республика Саха (Якутия), Ленский р-н, п. Витим, ул. Иванова, д. 15",
     "8 (41137) 3-41-05", "98627151",
     ("п. Витим", "п. Пеледуй", "с. Нюя", "с. Турукта", "с. Орто-Нахара", "с. Беченча", "с. Мурья",
      "с. Салдыкель", "с. Толон", "с. Натора"), None),
    ("SEN-MS164", "magistrate", "Судебный участок № 164 в Северо-Енисейском районе Красноярского края", "164",
     "Рахматуллина Ольга Сергеевна", "663282, Красноярский край, гп Северо-Енисейский, ул. Ленина, д. 52",
     "8 (39160) 2-19-64", "04649151", ("гп Северо-Енисейский", "п. Тея", "п. Брянка", "п. Вангаш"), None),
    ("LEN-RS", "district", "Ленский районный суд Республики Саха (Якутия)", None, None,
     "678144, Республика Саха (Якутия), г. Ленск, ул. Ленина, д. 38", "8 (41137) 4-14-40", "98627101", (), None),
    ("SEN-RS", "district", "Северо-Енисейский районный суд Красноярского края", None, None,
     "663282, Красноярский край, гп Северо-Енисейский, ул. Ленина, д. 52", "8 (39160) 2-14-57", "04649151", (), None),
    ("ASRSYA", "arbitrazh", "Арбитражный суд Республики Саха (Якутия)", None, None,
     "677000, Республика Саха (Якутия), г. Якутск, ул. Курашова, д. 28", "8 (4112) 33-56-31", "98701000", (), None),
]
BAILIFFS = [
    ("Ленское РОСП УФССП России по Республике Саха (Якутия)",
     "678144, Республика Саха (Якутия), г. Ленск, ул. Октябрьская, д. 24", "8 (41137) 4-26-33",
     "lensk@r14.fssp.gov.ru", "г. Ленск"),
    ("ОСП по Северо-Енисейскому району ГУФССП России по Красноярскому краю",
     "663282, Красноярский край, гп Северо-Енисейский, ул. Донского, д. 20", "8 (39160) 2-15-70",
     "osp64@r24.fssp.gov.ru", "гп Северо-Енисейский"),
]
EMPLOYERS = ["ООО «Ленаторг»", "ГБУ РС(Я) «Ленская центральная районная больница»", "ООО «Витимское речное пароходство»",
             "АО «Почта России»", "ООО «Пеледуйский судоремонтный завод»", "ООО «Золото Северо-Енисейское»"]
BANKS = ["ПАО Сбербанк, Якутское отделение № 8603", "Банк ВТБ (ПАО)", "АО «Россельхозбанк»"]

# scenario: weight — the share of the debtors above the threshold that reach this point of the workflow
SCENARIOS = [("detected", 16), ("notice", 20), ("warned", 10), ("agreement", 5), ("restricted", 7),
             ("suspended", 2), ("court_pending", 8), ("court_issued", 6), ("court_cancelled", 4),
             ("enforcement", 12), ("writeoff", 3), ("hold", 5), ("closed", 2)]
NEXT_ACTIONS = ["Позвонить должнику", "Обход по адресу, вручить уведомление", "Проверить оплату по обещанию",
                "Пригласить на личный приём, предложить рассрочку", "Сверка с должником по сумме долга",
                "Подготовить заявление о выдаче судебного приказа", "Запросить в суде копию приказа",
                "Запросить у пристава ход исполнительного производства"]
RESTRICTABLE = ("hot_water", "electricity")


def _weekday(d: date) -> date:
    """Move a working step off the weekend (to the Monday after)."""
    while d.weekday() >= 5:
        d += timedelta(days=1)
    return d


# ------------------------------------------------------------------------------------------- directory
def add_directory() -> dict[str, int]:
    """Courts with their duty details, bailiff units, buildings linked by territory and street (Core UPDATEs)."""
    terr = {name: tid for tid, name in db.session.execute(select(Territory.id, Territory.name))}
    ids = {}
    for code, kind, name, sector, judge, address, phone, oktmo, territories, streets in COURTS:
        if db.session.scalar(select(Court.id).where(Court.code == code)):
            continue
        main_terr = terr.get(territories[0]) if territories else terr.get("г. Ленск" if code.startswith("LEN")
                                                                           else "гп Северо-Енисейский")
        court = Court(code=code, kind=kind, name=name, sector_number=sector, judge_name=judge, address=address,
                      phone=phone, territory_id=main_terr, oktmo=oktmo,
                      kbk=KBK_ARBITRAZH if kind == "arbitrazh" else KBK_GENERAL, **_EKS)
        db.session.add(court)
        db.session.flush()
        ids[code] = court.id
    linked = 0
    for code, _k, _n, _s, _j, _a, _p, _o, territories, streets in COURTS:
        if code not in ids:
            continue
        for t in territories:
            if t not in terr:
                continue
            stmt = update(Building).where(Building.territory_id == terr[t], Building.court_id.is_(None))
            if streets == "rest":
                pass  # what the street split left
            elif streets:
                from sqlalchemy import or_

                stmt = stmt.where(or_(*(Building.address.like(f"{s},%") for s in streets)))
            linked += db.session.execute(stmt.values(court_id=ids[code])
                                         .execution_options(synchronize_session=False)).rowcount or 0
    units = 0
    for name, address, phone, email, t in BAILIFFS:
        if not db.session.scalar(select(BailiffUnit.id).where(BailiffUnit.name == name)):
            db.session.add(BailiffUnit(name=name, address=address, phone=phone, email=email,
                                       territory_id=terr.get(t)))
            units += 1
    db.session.flush()
    return {"courts": len(ids), "bailiff_units": units, "buildings_linked": linked}


# ------------------------------------------------------------------------------------------- cases
class _Story:
    """One case told step by step through the services, each step on its own historical day."""

    def __init__(self, rng, today, users, unit_for, case_acc, balance):
        self.rng, self.today, self.u = rng, today, users
        self.unit_for = unit_for
        self.acc, self.balance = case_acc, balance
        self.case: Case | None = None
        self.day = today

    def at(self, days_ago: int) -> date:
        return _weekday(self.today - timedelta(days=max(days_ago, 0)))

    def step(self, fn, *a, **kw) -> bool:
        """Run one service step; a refusal by the guards leaves the case where it is."""
        try:  # the services check every guard before they write anything, so a refusal leaves no trace
            fn(*a, **kw)
        except DomainError:
            return False
        return True

    def open(self, days_ago: int, assignee) -> Case:
        self.day = self.at(days_ago)
        self.case = services.open_case(self.acc.id, self.u["collector"], self.day,
                                       assignee_id=assignee.id if assignee else None)
        return self.case

    def move(self, target: str, after: int, who="collector", **kw) -> bool:
        day = _weekday(self.day + timedelta(days=after))
        if day > self.today:
            return False
        ok = self.step(services.change_stage, self.case, target, self.u[who], day, **kw)
        if ok:
            self.day = day
        return ok


def _restrictable_service(account_id: int, debts: dict) -> tuple[int, int] | None:
    """(service_id, monthly charge) of the restrictable service with the largest debt on the account."""
    best = None
    for (sid, code), (debt, monthly) in debts.get(account_id, {}).items():
        if code in RESTRICTABLE and debt > 0 and monthly > 0:
            if best is None or debt > best[2]:
                best = (sid, monthly, debt)
    return (best[0], best[1]) if best else None


def _service_debts(account_ids: list[int], today: date) -> dict:
    """Per account and service: debt and the average monthly charge of the last 12 months (one grouped query)."""
    from sqlalchemy import case as sql_case

    signed = sql_case((LedgerEntry.kind == "payment", -LedgerEntry.amount_kop), else_=LedgerEntry.amount_kop)
    recent = sql_case(((LedgerEntry.kind == "charge") & (LedgerEntry.period >= date(today.year - 1, today.month, 1)),
                       LedgerEntry.amount_kop), else_=0)
    out = {}
    for chunk in range(0, len(account_ids), 500):
        ids = account_ids[chunk:chunk + 500]
        for aid, sid, code, debt, charged in db.session.execute(
                select(LedgerEntry.account_id, Service.id, Service.code, func.sum(signed), func.sum(recent))
                .join(Service, Service.id == LedgerEntry.service_id)
                .where(LedgerEntry.account_id.in_(ids)).group_by(LedgerEntry.account_id, Service.id, Service.code)):
            out.setdefault(aid, {})[(sid, code)] = (int(debt or 0), int(charged or 0) // 12)
    return out


def _duty_kop(acc: Account, claim_kop: int, kind: str, on: date) -> int:
    """State duty for the filing by the legal engine (НК 333.19, for an organisation / ИП НК 333.21; order 50 %)."""
    try:
        return services.filing_duty_kop(acc, kind, claim_kop, on)
    except DomainError:
        return 0


def _court_number(rng, kind: str, sector: str | None, year: int) -> str:
    if kind == "order":
        return f"2-{rng.randint(100, 3999)}/{sector or '22'}-{year}"
    return f"2-{rng.randint(100, 999)}/{year}"


def _tell(story: _Story, scenario: str, svc_debt: dict) -> None:
    """Play one scenario; each later step needs the earlier ones (and the guards) to have passed."""
    rng, u = story.rng, story.u
    case = story.case
    acc = story.acc
    if scenario == "detected":
        return
    if scenario == "hold":
        reason = weighted_choice(rng, [("dispute", 4), ("recalculation", 3), ("deceased_heirs_search", 2), ("bankruptcy", 1),
                             ("minor_owner", 1)])
        start = story.day + timedelta(days=rng.randint(3, 15))
        review = start + timedelta(days=rng.choice((14, 30, 45, 60)))
        notes = {"dispute": "Должник оспаривает начисления за ГВС, запрошена сверка",
                 "recalculation": "Заявление на перерасчёт за период временного отсутствия",
                 "deceased_heirs_search": "Собственник умер, направлен запрос нотариусу о наследниках",
                 "bankruptcy": "Сведения ЕФРСБ: введена процедура реализации имущества",
                 "minor_owner": "Собственник — несовершеннолетний, выясняются законные представители"}
        if start <= story.today:
            story.step(services.set_hold, case, reason, review, u["collector"], start, notes[reason])
        return
    if scenario == "agreement":
        story.move("payment_agreement", rng.randint(5, 20), reason="Должник обратился за рассрочкой")
        return
    if scenario == "closed":
        story.move("notice", rng.randint(3, 10))
        story.move("closed", rng.randint(10, 30), who="manager",
                   reason=rng.choice(["Лицевой счёт закрыт, долг передан новому собственнику по договору",
                                      "Дубликат лицевого счёта, долг учтён на основном счёте"]))
        return
    court_path = scenario in ("court_pending", "court_issued", "court_cancelled", "enforcement", "writeoff")
    if not story.move("notice", rng.randint(2, 10)):
        return
    if scenario in ("warned", "restricted", "suspended"):
        svc = _restrictable_service(acc.id, svc_debt)
        if svc is None:
            return
        sid, monthly = svc
        if not db.session.get(AccountServiceNorm, (acc.id, sid)):
            db.session.add(AccountServiceNorm(account_id=acc.id, service_id=sid, norm_monthly_kop=monthly))
        delivered = _weekday(story.day + timedelta(days=rng.randint(1, 7)))
        if delivered > story.today:
            return
        story.step(services.record_warning_delivered, case, delivered, u["collector"],
                   rng.choice(["hand", "registered_mail", "payment_document", "sms"]), sid)
        story.day = delivered
        if scenario == "warned":
            return
        may = services.restriction_may_start_on(delivered, services.business_calendar(), services.term_reading())
        if not story.move("restriction", (may - story.day).days + rng.randint(0, 10), service_id=sid,
                          reason="Ограничение ГВС: установлена заглушка, акт № " f"{rng.randint(10, 99)}"):
            return
        if scenario == "suspended":
            story.move("suspension", 11 + rng.randint(0, 8), reason="Приостановление, акт составлен с участием УК")
        return
    if not court_path:
        return
    # court: a court order through the lawyer, then what the court did
    lawyer = u["lawyer"]
    case.assignee_id = lawyer.id
    filed = _weekday(story.day + timedelta(days=rng.randint(15, 60)))
    if filed > story.today:
        filed = story.today
    claim = story.balance
    kind = "order" if claim + claim // 8 <= COURT_ORDER_LIMIT_KOP else "claim"
    penalty = claim // rng.choice((8, 10, 12, 15))
    if kind == "claim":
        return  # a direct claim needs a cancelled order first; such large debts wait in the notice stage
    court = services.court_for_account(acc)
    rec_holder = {}

    def file():
        rec_holder["rec"] = services.record_court_filing(
            case, lawyer, filed, kind="order", filed_on=filed, principal_kop=claim, penalty_kop=penalty,
            duty_kop=_duty_kop(acc, claim + penalty, "order", filed),
            period_from=date(filed.year - 3, filed.month, 1),
            period_to=date(filed.year, filed.month, 1) - timedelta(days=1),
            note="Заявление о выдаче судебного приказа направлено почтой")
    if not story.step(file):
        return
    story.day = filed
    rec = rec_holder["rec"]
    if scenario == "court_pending":
        return
    issued = _weekday(filed + timedelta(days=rng.randint(5, 20)))
    received = _weekday(issued + timedelta(days=rng.randint(7, 25)))
    if received > story.today:
        return
    story.step(services.update_court_record, rec, lawyer, received, outcome="issued", issued_on=issued,
               received_on=received, case_number=_court_number(rng, "order", court.sector_number if court else None,
                                                                issued.year))
    story.day = received
    if scenario == "court_issued":
        return
    if scenario == "court_cancelled":
        cancelled = _weekday(received + timedelta(days=rng.randint(5, 12)))
        if cancelled > story.today:
            return
        story.step(services.update_court_record, rec, lawyer, cancelled, objection_on=cancelled - timedelta(days=2),
                   cancelled_on=cancelled, outcome="cancelled", note="Должник подал возражения относительно исполнения")
        story.day = cancelled
        return
    # enforcement: the order is in force after the 10-day objection window
    sent = _weekday(received + timedelta(days=rng.randint(14, 40)))
    if sent > story.today:
        return
    amount = claim + penalty + rec.duty_kop
    dest = weighted_choice(rng, [("bailiff", 7), ("employer", 2), ("bank", 1)])
    if dest == "employer" and court is not None and court.kind == "arbitrazh":
        dest = "bank"  # an organisation has no employer: its bank account (229-ФЗ ст.8)
    if dest == "employer" and amount > EMPLOYER_LIMIT_KOP:
        dest = "bailiff"
    unit = story.unit_for(acc)
    ok = story.step(services.send_writ, case, lawyer, sent, writ_number=rec.case_number or f"2-{rec.id}",
                    writ_date=rec.issued_on, amount_kop=amount, destination=dest,
                    bailiff_unit_id=unit if dest == "bailiff" else None,
                    payer_name=rng.choice(EMPLOYERS) if dest == "employer" else rng.choice(BANKS) if dest == "bank"
                    else None, sent_on=sent,
                    note="Заявление о возбуждении ИП с ходатайством о временном ограничении на выезд"
                    if dest == "bailiff" and amount > 30_000_00 else None)
    if not ok:
        return
    story.day = sent
    from .models import Enforcement

    enf = db.session.scalar(select(Enforcement).where(Enforcement.case_id == case.id)
                            .order_by(Enforcement.id.desc()).limit(1))
    if dest == "bailiff":
        opened = _weekday(sent + timedelta(days=rng.randint(3, 12)))
        if opened <= story.today:
            services.update_enforcement(enf, lawyer, opened, proceedings_opened_on=opened,
                                        proceedings_number=f"{rng.randint(10000, 99999)}/{opened:%y}/14021-ИП",
                                        travel_ban_requested_on=opened if amount > 30_000_00 else None)
    if scenario == "writeoff":
        ended = _weekday(sent + timedelta(days=rng.randint(120, 300)))
        if ended > story.today:
            ended = story.today
        services.update_enforcement(enf, lawyer, ended, ended_on=ended, end_reason="impossible",
                                    note="Постановление об окончании ИП, п.4 ч.1 ст.46 229-ФЗ")
        story.step(services.propose_writeoff, case, "bailiff_impossible",
                   f"Акт о невозможности взыскания от {ended:%d.%m.%Y} № {rng.randint(100, 999)}, "
                   f"постановление об окончании ИП", lawyer, ended)


ADVANCEMENT = ["writeoff", "enforcement", "court_cancelled", "court_issued", "court_pending", "closed", "hold",
               "suspended", "restricted", "agreement", "warned", "notice", "detected"]


def _scenario_plan(rng: random.Random, n: int) -> list[str]:
    """n scenarios in the SCENARIOS proportions (largest remainder, at least one of each when n ≥ 40),
    ordered from the most advanced to the least, so that they can be dealt to debts from the oldest."""
    weights = dict(SCENARIOS)
    total = sum(weights.values())
    exact = {k: n * w / total for k, w in weights.items()}
    counts = {k: int(v) for k, v in exact.items()}
    if n >= 40:
        counts = {k: max(v, 1) for k, v in counts.items()}
    left = n - sum(counts.values())
    for k in sorted(exact, key=lambda k: exact[k] - int(exact[k]), reverse=True):
        if left <= 0:
            break
        counts[k] += 1
        left -= 1
    while sum(counts.values()) > n:  # the minimum of one each overshot a tiny demo: trim the largest
        k = max(counts, key=counts.get)
        counts[k] -= 1
    return [k for k in ADVANCEMENT for _ in range(counts[k])]


def add_cases(rng: random.Random, today: date, limit: int | None = None) -> dict[str, int]:
    """Open cases for the debtors above the threshold, spread over the scenarios, through the services."""
    users = {role: db.session.scalar(select(User).where(User.role == role).order_by(User.id).limit(1))
             for role in ("collector", "lawyer", "manager")}
    if not all(users.values()):
        return {}
    threshold = services.open_threshold_kop()
    rows = db.session.execute(
        select(Account.id, AccountBalance.balance_kop, AccountBalance.oldest_debt_days)
        .join(AccountBalance, AccountBalance.account_id == Account.id)
        .where(AccountBalance.balance_kop > threshold,
               ~select(Case.id).where(Case.account_id == Account.id).exists())
        .order_by(Account.id)).all()
    if limit:
        rows = rows[:limit]
    svc_debt = _service_debts([r[0] for r in rows], today)
    sen_terr = set(db.session.scalars(select(Territory.id).where(Territory.name.in_(
        ("гп Северо-Енисейский", "п. Тея", "п. Брянка", "п. Вангаш")))))
    unit_ids = list(db.session.scalars(select(BailiffUnit.id).order_by(BailiffUnit.id)))

    def unit_for(acc):
        if not unit_ids:
            return None
        return unit_ids[1] if acc.territory_id in sen_terr and len(unit_ids) > 1 else unit_ids[0]

    counts: dict[str, int] = {}
    # the further a scenario goes, the older the debt it is given to (a recent debtor is not in court yet)
    plan = _scenario_plan(rng, len(rows))
    by_age = sorted(rows, key=lambda r: (-(int(r[2] or 0)) + rng.randint(-60, 60), r[0]))
    for (account_id, balance, oldest_days), scenario in zip(by_age, plan):
        acc = db.session.get(Account, account_id)
        age = int(oldest_days or 120)
        span = {"detected": (2, 40), "notice": (20, 90), "warned": (25, 60), "agreement": (30, 120),
                "restricted": (50, 110), "suspended": (60, 120), "hold": (40, 160), "closed": (60, 200),
                "court_pending": (60, 150), "court_issued": (90, 200), "court_cancelled": (110, 240),
                "enforcement": (160, 500), "writeoff": (450, 720)}[scenario]
        opened_ago = min(rng.randint(*span), max(age - 30, 2))
        assignee = users["collector"] if rng.random() < 0.85 else None
        story = _Story(rng, today, users, unit_for, acc, balance)
        story.open(opened_ago, assignee)
        _tell(story, scenario, svc_debt)
        case = story.case
        # next actions: most open cases have one planned; some due today or overdue, so the queue has work
        if case.is_open and case.hold_reason is None and rng.random() < 0.7:
            r = rng.random()
            due = today - timedelta(days=rng.randint(1, 6)) if r < 0.25 else today if r < 0.5 else \
                today + timedelta(days=rng.randint(1, 20))
            lawyer_stage = case.stage in ("court", "enforcement")
            text = rng.choice(NEXT_ACTIONS[5:] if lawyer_stage else NEXT_ACTIONS[:5])
            case.next_action_on, case.next_action = due, text
        counts[scenario] = counts.get(scenario, 0) + 1
    db.session.flush()
    # the daily job for today: deadlines reached, hold reviews, silent enforcement, limitation terms
    daily = services.run_daily(today, user=None)
    counts.update({f"daily_{k}": v for k, v in daily.items() if isinstance(v, int)})
    return counts


def extend_demo(rng: random.Random, today: date) -> dict[str, int]:
    """Courts, bailiff units, building links and the demo's cases with history, alerts and deadlines."""
    out = add_directory()
    out.update(add_cases(rng, today))
    return out
