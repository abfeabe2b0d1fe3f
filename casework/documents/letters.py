"""Registry of letters: code → Word template file, titles, the stages that use it, subject and parameters, and
who may preview, issue and download it (`access`, the one place that rule lives)."""
from __future__ import annotations

from dataclasses import dataclass, field

from ..access import COLLECTOR, LAWYER, MANAGER
from ..i18n import _l
from .fields import ACCOUNT, BATCH, BUILDING

PREVIEW, ISSUE, DOWNLOAD = "preview", "issue", "download"
ACTIONS = (PREVIEW, ISSUE, DOWNLOAD)


@dataclass(frozen=True)
class LetterAccess:
    """Roles that may preview (see the merged values), issue (number and store) and download a letter's documents.

    Whoever issues may preview and download; identifiers in a preview or a .docx are masked for a role that may not
    see personal data (casework.accounts.pii.may_see_pii) and every full view is logged as `pii.view`.
    """

    preview: frozenset[str]
    issue: frozenset[str]
    download: frozenset[str]

    @classmethod
    def same(cls, *roles: str) -> "LetterAccess":
        r = frozenset(roles)
        return cls(r, r, r)

    def roles_for(self, action: str) -> frozenset[str]:
        if action not in ACTIONS:
            raise ValueError(f"unknown document action {action!r}")
        return getattr(self, action)


# court work is the lawyer's (and the manager's): applications to the court, the bailiffs and the employer, and the
# write-off act (its decision is the manager's)
LEGAL_STAFF = LetterAccess.same(LAWYER, MANAGER)
# letters to the debtor, agreements and the paperwork of the daily work: the collector too
CASE_WORK = LetterAccess.same(COLLECTOR, LAWYER, MANAGER)


@dataclass(frozen=True)
class Letter:
    code: str
    file: str               # in LETTER_TEMPLATES_DIR
    title: str              # Russian title, as in the registry of issued documents
    label: object           # UI label (translated)
    stages: tuple[str, ...]
    subject: str = ACCOUNT  # account | building | batch
    params: tuple[str, ...] = ()          # user-entered fields asked on the issue form
    required: tuple[str, ...] = ()        # of those, the ones that must be filled
    recipient: str = "debtor"             # debtor | court | bailiff | employer | entrance | post
    duty_kind: str | None = None          # court_order | claim: which duty the document computes
    max_enforce_kop: int | None = None    # refuse above this amount (229-ФЗ ст.9: employer ≤ 100 000 ₽)
    notes: tuple[str, ...] = field(default_factory=tuple)
    arbitrazh_title: str | None = None    # registry title when the debtor goes to the arbitrazh court (АПК)
    access: LetterAccess | None = None    # who may preview / issue / download; None refuses everyone (declare it!)
    claim_periods: bool = False           # states the months of a claim: a month checklist, the chosen months' sums
    measure: bool = False                 # an act of restriction / suspension: the stage guard of that measure
    court_parties: bool = False           # names the defendants (domain.parties): the parties form on the issue page

    @property
    def court_kind(self) -> str | None:
        """The court filing this letter is (order | claim), guarded like the case's filing; None for other letters."""
        return {"court_order": "order", "claim": "claim"}.get(self.duty_kind or "")

    def title_for(self, src) -> str:
        """The registry title for this subject: the arbitrazh wording for an organisation / ИП debtor (АПК)."""
        if self.arbitrazh_title and getattr(src, "arbitrazh", False):
            return self.arbitrazh_title
        return self.title

    def allows(self, action: str, role: str | None) -> bool:
        """May a user of this role preview / issue / download this letter? Undeclared letters refuse everyone."""
        return self.access is not None and role in self.access.roles_for(action)


LETTERS: dict[str, Letter] = {l.code: l for l in [
    Letter("notice_debt", "01_notice_debt.docx", "Уведомление о задолженности", _l("Notice of debt"),
           ("debt_detected", "notice"), access=CASE_WORK),
    Letter("warning_restriction", "02_warning_restriction.docx",
           "Предупреждение об ограничении (приостановлении) коммунальной услуги",
           _l("Warning of restriction or suspension"), ("notice", "restriction"),
           params=("restriction_service",), access=CASE_WORK),
    Letter("pretrial_claim", "03_pretrial_claim.docx", "Досудебная претензия", _l("Pre-court claim"),
           ("notice", "court"), params=("settle_days",), access=CASE_WORK),
    Letter("payment_agreement", "04_payment_agreement.docx", "Соглашение о погашении задолженности",
           _l("Payment agreement with schedule"), ("payment_agreement",),
           params=("agreement_months", "agreement_first_date"), access=CASE_WORK),
    Letter("restriction_act", "05_restriction_act.docx", "Акт об ограничении (приостановлении) коммунальной услуги",
           _l("Restriction or suspension act"), ("restriction", "suspension"),
           params=("restriction_service", "restriction_kind", "restriction_date", "restriction_method", "warning_number"),
           required=("restriction_service",), access=CASE_WORK, measure=True),
    Letter("court_order_application", "06_court_order_application.docx", "Заявление о вынесении судебного приказа",
           _l("Court order application"), ("court",), params=("court_name", "court_address"),
           recipient="court", duty_kind="court_order",
           arbitrazh_title="Заявление о выдаче судебного приказа (арбитражный суд)", access=LEGAL_STAFF,
           claim_periods=True, court_parties=True),
    Letter("debt_calculation", "07_debt_calculation.docx", "Расчёт задолженности и пени",
           _l("Debt and penalty calculation"), ("court", "notice"), access=CASE_WORK, claim_periods=True,
           court_parties=True),
    Letter("claim_after_cancel", "08_claim_after_cancel.docx", "Исковое заявление о взыскании задолженности",
           _l("Claim after a cancelled order"), ("court",),
           params=("court_name", "court_address", "writ_number", "writ_date", "order_cancelled_on"),
           recipient="court", duty_kind="claim",
           arbitrazh_title="Исковое заявление о взыскании задолженности (арбитражный суд)", access=LEGAL_STAFF,
           claim_periods=True, court_parties=True),
    Letter("enforcement_application", "09_enforcement_application.docx",
           "Заявление о возбуждении исполнительного производства", _l("Application to start enforcement"),
           ("enforcement",), params=("bailiff_unit", "bailiff_address", "writ_number", "writ_date", "writ_court", "writ_debtor",
                   "writ_minor"),
           required=("bailiff_unit", "writ_number"), recipient="bailiff", access=LEGAL_STAFF),
    Letter("employer_letter", "10_employer_letter.docx", "Заявление работодателю о взыскании по исполнительному документу",
           _l("Letter to the debtor's employer"), ("enforcement",),
           params=("employer_name", "employer_address", "writ_number", "writ_date", "writ_court", "writ_debtor",
                   "writ_minor"),
           required=("employer_name", "writ_number"), recipient="employer", max_enforce_kop=100_000_00,
           access=LEGAL_STAFF),
    Letter("account_statement", "11_account_statement.docx", "Справка о задолженности по лицевому счёту",
           _l("Account statement / debt certificate"), ("debt_detected", "notice", "court", "enforcement"),
           params=("statement_from", "statement_to"), access=CASE_WORK),
    Letter("writeoff_act", "12_writeoff_act.docx", "Акт о списании задолженности", _l("Write-off act"),
           ("written_off",), params=("writeoff_ground", "writeoff_documents"), required=("writeoff_ground",),
           recipient="internal", access=LEGAL_STAFF),
    Letter("building_notice", "13_building_notice.docx", "Информация о задолженности по дому",
           _l("Debt notice for building entrances"), (), subject=BUILDING, recipient="entrance", access=CASE_WORK),
    Letter("bailiff_inaction_complaint", "15_bailiff_inaction_complaint.docx",
           "Жалоба на бездействие судебного пристава-исполнителя", _l("Complaint about the bailiff's inaction"),
           ("enforcement",), params=("enforcement_id", "learned_on", "bailiff_unit", "bailiff_address"),
           recipient="bailiff", access=LEGAL_STAFF),
    Letter("dispatch_register", "14_dispatch_register.docx", "Реестр отправки документов", _l("Dispatch register"),
           (), subject=BATCH, params=("register_recipient",), recipient="post", access=CASE_WORK),
]}


def letters_allowed(action: str, role: str | None, subject: str | None = None) -> list[Letter]:
    """The letters a role may preview / issue / download (of one subject when given), in registry order."""
    return [l for l in LETTERS.values() if l.allows(action, role) and (subject is None or l.subject == subject)]


def kinds_allowed(action: str, role: str | None) -> list[str]:
    """Letter codes a role may preview / issue / download (for filtering listings in SQL)."""
    return [l.code for l in letters_allowed(action, role)]


LETTER_ACCESS_BEGIN = "<!-- letter-access:begin (generated by `casework documents letter-access --write-readme`) -->"
LETTER_ACCESS_END = "<!-- letter-access:end -->"


def letter_access_markdown() -> str:
    """The README's table of letters × roles: what each role may do with each letter (from LETTERS[…].access)."""
    from ..access import ADMIN

    roles = (COLLECTOR, LAWYER, MANAGER, ADMIN)
    lines = ["| Document | Code | " + " | ".join(roles) + " |", "|---|---|" + ":-:|" * len(roles)]
    for letter in LETTERS.values():
        cells = [", ".join(a for a in ACTIONS if letter.allows(a, r)) or "—" for r in roles]
        lines.append(f"| {letter.title} | `{letter.code}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"

