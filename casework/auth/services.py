"""Account actions for users: create, change password, the login throttle."""
from __future__ import annotations

import math
import re
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import delete, func, insert, select
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from ..audit.services import record_event
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _, _l
from ..timeutil import utcnow
from .models import (
    OUTCOME_DISABLED,
    OUTCOME_LOCKED,
    OUTCOME_OK,
    OUTCOME_RESET,
    OUTCOME_THROTTLED,
    OUTCOME_WRONG,
    ROLES,
    LoginAttempt,
    User,
)

# zxcvbn's feedback (English, fixed texts) → our msgids, translated in the catalogue
_ZXCVBN_TEXTS = {
    "This is a top-10 common password.": _l("This is one of the 10 most common passwords."),
    "This is a top-100 common password.": _l("This is one of the 100 most common passwords."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l("This is similar to a commonly used password."),
    "A word by itself is easy to guess.": _l("A word by itself is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l("Names and surnames by themselves are easy to guess."),
    "Common names and surnames are easy to guess.": _l("Common names and surnames are easy to guess."),
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys (like «qwerty») are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l("Repeated characters (like «aaa») are easy to guess."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l("Repeats (like «abcabcabc») are only slightly harder to guess than «abc»."),
    'Sequences like "abc" or "6543" are easy to guess.': _l("Sequences (like «abc» or «6543») are easy to guess."),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are easy to guess."),
}
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i",
    "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "",
    "э": "e", "ю": "yu", "я": "ya"})
PASSWORD_MIN_SCORE = 3  # zxcvbn: 3 = about 10^8 guesses and more, "safely unguessable" for a throttled login
_ZXCVBN_MAX_LENGTH = 100  # zxcvbn's time grows with the length; the first 100 characters decide


def guessability_problem(password: str, user_inputs: Iterable[str] = ()) -> str | None:
    """Why zxcvbn finds the password easy to guess (common passwords, keyboard rows, sequences, repeats, dates,
    dictionary words, the user's own name or login), in the user's language; None when it is strong enough."""
    words = []
    for value in user_inputs:
        for word in re.split(r"[\s@._-]+", (value or "").lower()):
            if len(word) >= 3:
                words.append(word)
                latin = word.translate(_TRANSLIT)
                if latin != word:
                    words.append(latin)  # «Саввинова» typed on a Latin keyboard: «savvinova»
    result = zxcvbn(password[:_ZXCVBN_MAX_LENGTH], user_inputs=words)
    if result["score"] >= PASSWORD_MIN_SCORE:
        return None
    if any(m.get("dictionary_name") == "user_inputs" for m in result["sequence"]):
        reason = _("It is made of the user's own name or user name.")
    else:
        warning = result["feedback"].get("warning") or ""
        reason = str(_ZXCVBN_TEXTS[warning]) if warning in _ZXCVBN_TEXTS else ""
    message = _("The password is too easy to guess.")
    if reason:
        message += " " + reason
    return message + " " + _("Add another word or two that are not obvious, or make it longer.")


def password_problems(password: str, username: str = "", min_length: int = 10,
                      user_inputs: Iterable[str] = ()) -> list[str]:
    """Password rules: at least min_length characters, letters and digits, not the user name, not easy to guess
    (zxcvbn score of at least PASSWORD_MIN_SCORE, with the user name and `user_inputs` — the full name, e-mail —
    counted as known words)."""
    problems = []
    if len(password) < min_length:
        problems.append(_("The password must be at least %(n)d characters long.", n=min_length))
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append(_("The password must contain both letters and digits."))
    if username and username.lower() in password.lower():
        problems.append(_("The password must not contain the user name."))
    if not problems:
        guessable = guessability_problem(password, [username, *user_inputs])
        if guessable:
            problems.append(guessable)
    return problems


def create_user(username: str, full_name: str, role: str, password: str, *, email: str | None = None,
                locale: str = "ru", min_length: int = 10, actor: User | None = None) -> User:
    """Create a user with a checked password and a known role; the user name is unique."""
    username = username.strip()
    if role not in ROLES:
        raise DomainError(_("Unknown role: %(role)s", role=role))
    if not username:
        raise DomainError(_("The user name is required."))
    exists = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if exists:
        raise DomainError(_("The user name %(name)s is already taken.", name=username))
    problems = password_problems(password, username, min_length, user_inputs=(full_name, email or ""))
    if problems:
        raise DomainError(" ".join(problems))
    user = User(username=username, full_name=full_name.strip() or username, role=role, email=email,
                locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event("user.create", "users", user.id, {"role": role}, actor=actor)
    return user


def change_password(user: User, new_password: str, *, min_length: int = 10, actor: User | None = None,
                    now: datetime | None = None) -> None:
    """Set a new password after checking the password rules; clears the user name's login lockout and ends
    every session of the user (the caller signs the current browser in again when the user changed their own)."""
    problems = password_problems(new_password, user.username, min_length,
                                 user_inputs=(user.full_name, user.email or ""))
    if problems:
        raise DomainError(" ".join(problems))
    user.set_password(new_password)
    user.rotate_session_token()
    _record_attempt(user.username, None, OUTCOME_RESET, now or utcnow())
    record_event("user.password", "users", user.id, {}, actor=actor)


# ------------------------------------------------------------------------------------------- login throttle
ATTEMPTS_KEPT = timedelta(days=1)  # login_attempts rows older than this are pruned (and never counted)


class LoginRefused(DomainError):
    """Wrong credentials (HTTP 401), a locked user name or a throttled IP (HTTP 429), or a disabled account."""

    def __init__(self, message: str, *, status: int = 401, retry_after: int | None = None):
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # seconds, for a Retry-After header


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A password hash of the current method that matches nothing typed: checked for unknown user names so
    that they cost the same time as existing ones."""
    return generate_password_hash(secrets.token_hex(16))


def _normalize(username: str) -> str:
    """The throttle's key for a typed user name: stripped, lower-cased, as long as the column allows."""
    return (username or "").strip().lower()[:64]


def _minutes_left(until: datetime, now: datetime) -> int:
    """Whole minutes until `until`, rounded up, at least 1."""
    return max(1, math.ceil((until - now).total_seconds() / 60))


def _retention(lockout_minutes: int, ip_window_minutes: int) -> timedelta:
    """How far back the throttles look (and how long rows are kept): a day, or longer if a period is longer."""
    return max(ATTEMPTS_KEPT, timedelta(minutes=lockout_minutes), timedelta(minutes=ip_window_minutes))


def _record_attempt(username: str, ip: str | None, outcome: str, now: datetime) -> None:
    """Append one row to login_attempts (Core insert: no ORM object, no audit row of its own)."""
    db.session.execute(insert(LoginAttempt.__table__), [{
        "username": _normalize(username), "ip": (ip or None) and ip[:45], "attempted_at": now,
        "succeeded": outcome == OUTCOME_OK, "outcome": outcome}])


def prune_login_attempts(now: datetime | None = None, keep: timedelta = ATTEMPTS_KEPT) -> int:
    """Delete login attempts older than `keep` (a day by default); returns the number deleted."""
    now = now or utcnow()
    res = db.session.execute(delete(LoginAttempt.__table__).where(LoginAttempt.attempted_at < now - keep))
    return max(0, res.rowcount or 0)


def name_lock_state(username: str, *, max_failures: int, lockout_minutes: int, now: datetime,
                    since: datetime) -> tuple[int, datetime | None]:
    """The per-user-name throttle, read from login_attempts alone (the same for existing and unknown names):
    max_failures wrong passwords in a row lock the name for lockout_minutes from the last of them; a success
    or an administrator's new password clears the run; a run ends with its lock. Returns (wrong passwords
    in the current run, locked until — or None when not locked at `now`)."""
    rows = db.session.execute(
        select(LoginAttempt.outcome, LoginAttempt.attempted_at)
        .where(LoginAttempt.username == _normalize(username), LoginAttempt.attempted_at >= since,
               LoginAttempt.attempted_at <= now,
               LoginAttempt.outcome.in_((OUTCOME_OK, OUTCOME_WRONG, OUTCOME_RESET)))
        .order_by(LoginAttempt.attempted_at, LoginAttempt.id)).all()
    run, locked_until = 0, None
    for outcome, at in rows:
        if outcome != OUTCOME_WRONG:
            run, locked_until = 0, None
        elif locked_until is not None and at < locked_until:
            continue  # a race: counted while locked; the lock stands as it was
        else:
            run += 1
            if run >= max_failures:
                run, locked_until = 0, at + timedelta(minutes=lockout_minutes)
    if locked_until is not None and locked_until <= now:
        locked_until = None
    return run, locked_until


def ip_throttled_until(ip: str | None, *, max_failures: int, window_minutes: int,
                       now: datetime) -> datetime | None:
    """The per-IP throttle: max_failures failed logins (wrong credentials or a locked name) from one IP within
    window_minutes refuse every login from it until enough of them leave the window; None when not throttled."""
    if not ip or max_failures <= 0:
        return None
    window = timedelta(minutes=window_minutes)
    recent = db.session.scalars(
        select(LoginAttempt.attempted_at)
        .where(LoginAttempt.ip == ip[:45], LoginAttempt.attempted_at > now - window,
               LoginAttempt.attempted_at <= now,
               LoginAttempt.outcome.in_((OUTCOME_WRONG, OUTCOME_LOCKED)))
        .order_by(LoginAttempt.attempted_at.desc()).limit(max_failures)).all()
    if len(recent) < max_failures:
        return None
    return recent[-1] + window  # the max_failures-th latest failure leaves the window then


def authenticate(username: str, password: str, *, max_failures: int, lockout_minutes: int,
                 ip: str | None = None, ip_max_failures: int = 30, ip_window_minutes: int = 15,
                 now: datetime | None = None) -> User:
    """Check credentials under two throttles kept in login_attempts (every attempt is recorded):
    ip_max_failures failures from one IP within ip_window_minutes refuse that IP (429); max_failures wrong
    passwords in a row for a user name lock it for lockout_minutes (429). Unknown and existing user names get
    the same answers, counts and timing (the password is always checked, against a dummy hash if need be)."""
    now = now or utcnow()
    since = now - _retention(lockout_minutes, ip_window_minutes)
    prune_login_attempts(now, now - since)  # cheap: an index range on attempted_at, usually empty

    ip_until = ip_throttled_until(ip, max_failures=ip_max_failures, window_minutes=ip_window_minutes, now=now)
    if ip_until is not None:
        _record_attempt(username, ip, OUTCOME_THROTTLED, now)
        raise LoginRefused(
            _("Too many failed sign-in attempts from this computer. Try again in %(m)d min.",
              m=_minutes_left(ip_until, now)),
            status=429, retry_after=math.ceil((ip_until - now).total_seconds()))

    run, locked_until = name_lock_state(username, max_failures=max_failures, lockout_minutes=lockout_minutes,
                                        now=now, since=since)
    if locked_until is not None:
        _record_attempt(username, ip, OUTCOME_LOCKED, now)
        raise LoginRefused(_("Too many failed attempts. The account is locked; try again in %(m)d min.",
                             m=_minutes_left(locked_until, now)),
                           status=429, retry_after=math.ceil((locked_until - now).total_seconds()))

    user = db.session.scalar(select(User).where(func.lower(User.username) == _normalize(username)))
    password_ok = check_password_hash(user.password_hash if user is not None else _dummy_hash(), password)
    if user is None or not password_ok:
        _record_attempt(username, ip, OUTCOME_WRONG, now)
        run += 1
        if run >= max_failures:
            record_event("user.locked", "users", user.id if user is not None else None,
                         {"username": _normalize(username)}, actor=None)
            raise LoginRefused(_("Too many failed attempts. The account is locked for %(m)d min.",
                                 m=lockout_minutes))
        raise LoginRefused(_("Wrong user name or password. Attempts left before lockout: %(n)d.",
                             n=max_failures - run))
    if not user.is_active:
        _record_attempt(username, ip, OUTCOME_DISABLED, now)
        raise LoginRefused(_("This account is disabled. Ask an administrator."))
    _record_attempt(username, ip, OUTCOME_OK, now)
    user.last_login_at = now
    return user


def update_user(user: User, *, full_name: str, role: str, email: str | None, locale: str,
                is_active: bool, actor: User) -> None:
    """Change a user's details; an admin cannot demote or disable themself. A new role or disabling ends the
    user's sessions (pages opened under the old role close; a disabled user is out at once)."""
    if role not in ROLES:
        raise DomainError(_("Unknown role: %(role)s", role=role))
    if user.id == actor.id and (role != user.role or not is_active):
        raise DomainError(_("You cannot change your own role or disable your own account."))
    if role != user.role or (user.is_active_user and not is_active):
        user.rotate_session_token()
    user.full_name, user.role, user.email, user.locale, user.is_active_user = full_name, role, email, locale, is_active


def end_sessions(user: User, *, actor: User | None) -> None:
    """End every session of the user (all browsers, remember-me cookies included); audited."""
    user.rotate_session_token()
    record_event("user.sessions_ended", "users", user.id, {}, actor=actor)
    db.session.flush()
