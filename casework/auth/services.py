"""Account actions for users: create, change password, the login throttle."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..audit.services import record_event
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from ..timeutil import utcnow
from .models import ROLES, User


class LoginRefused(DomainError):
    """Wrong credentials, or the account is locked or disabled."""


def password_problems(password: str, username: str = "", min_length: int = 10) -> list[str]:
    """Password rules: at least min_length characters, letters and digits, not the user name."""
    problems = []
    if len(password) < min_length:
        problems.append(_("The password must be at least %(n)d characters long.", n=min_length))
    if not any(c.isalpha() for c in password) or not any(c.isdigit() for c in password):
        problems.append(_("The password must contain both letters and digits."))
    if username and username.lower() in password.lower():
        problems.append(_("The password must not contain the user name."))
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
    problems = password_problems(password, username, min_length)
    if problems:
        raise DomainError(" ".join(problems))
    user = User(username=username, full_name=full_name.strip() or username, role=role, email=email,
                locale=locale)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event("user.create", "users", user.id, {"role": role}, actor=actor)
    return user


def change_password(user: User, new_password: str, *, min_length: int = 10, actor: User | None = None) -> None:
    """Set a new password after checking the password rules; unlocks the account."""
    problems = password_problems(new_password, user.username, min_length)
    if problems:
        raise DomainError(" ".join(problems))
    user.set_password(new_password)
    user.failed_logins = 0
    user.locked_until = None
    record_event("user.password", "users", user.id, {}, actor=actor)


def authenticate(username: str, password: str, *, max_failures: int, lockout_minutes: int,
                 now: datetime | None = None) -> User:
    """Check credentials; after max_failures wrong passwords lock the account for lockout_minutes."""
    now = now or utcnow()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None:
        raise LoginRefused(_("Wrong user name or password."))
    if user.locked_until and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginRefused(_("Too many failed attempts. The account is locked; try again in %(m)d min.",
                             m=minutes))
    if not user.check_password(password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + timedelta(minutes=lockout_minutes)
            user.failed_logins = 0
            record_event("user.locked", "users", user.id, {}, actor=None)
            raise LoginRefused(_("Too many failed attempts. The account is locked for %(m)d min.",
                                 m=lockout_minutes))
        left = max_failures - user.failed_logins
        raise LoginRefused(_("Wrong user name or password. Attempts left before lockout: %(n)d.", n=left))
    if not user.is_active:
        raise LoginRefused(_("This account is disabled. Ask an administrator."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def update_user(user: User, *, full_name: str, role: str, email: str | None, locale: str,
                is_active: bool, actor: User) -> None:
    """Change a user's details; an admin cannot demote or disable themself."""
    if role not in ROLES:
        raise DomainError(_("Unknown role: %(role)s", role=role))
    if user.id == actor.id and (role != user.role or not is_active):
        raise DomainError(_("You cannot change your own role or disable your own account."))
    user.full_name, user.role, user.email, user.locale, user.is_active_user = full_name, role, email, locale, is_active
