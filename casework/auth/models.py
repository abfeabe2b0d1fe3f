"""Users and their roles."""
from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from ..access import ADMIN, COLLECTOR, LAWYER, MANAGER
from ..extensions import db, login_manager
from ..timeutil import utcnow

ROLES = (COLLECTOR, LAWYER, MANAGER, ADMIN)


def new_session_token() -> str:
    """A fresh random session token (43 URL-safe characters, 256 bits)."""
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('collector','lawyer','manager','admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    position: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(5), default="ru")
    password_hash: Mapped[str] = mapped_column(String(256))
    is_active_user: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Flask-Login's alternative id: what the session cookie and the remember-me cookie carry instead of the
    # primary key. A new value (rotate_session_token) makes every cookie issued before it worthless: on logout,
    # a password change, a role change, disabling, or when an administrator ends the user's sessions.
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_session_token)

    @property
    def is_active(self) -> bool:  # Flask-Login
        return bool(self.is_active_user)

    def get_id(self) -> str:  # Flask-Login: stored in the session and in the remember-me cookie
        return self.session_token

    def rotate_session_token(self) -> None:
        """End every session of this user: cookies carrying the old token no longer load the user."""
        self.session_token = new_session_token()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"


# outcomes of a login attempt (LoginAttempt.outcome); "reset" is not an attempt but an administrator's
# password change, which clears the user name's run of wrong passwords
OUTCOME_OK = "ok"                # signed in
OUTCOME_WRONG = "wrong"          # wrong user name or password (counts towards both throttles)
OUTCOME_LOCKED = "locked"        # refused: the user name is locked (counts towards the per-IP throttle)
OUTCOME_THROTTLED = "throttled"  # refused: too many failures from this IP (counts towards nothing)
OUTCOME_DISABLED = "disabled"    # right password for a disabled account
OUTCOME_RESET = "reset"          # an administrator set a new password
OUTCOMES = (OUTCOME_OK, OUTCOME_WRONG, OUTCOME_LOCKED, OUTCOME_THROTTLED, OUTCOME_DISABLED, OUTCOME_RESET)


class LoginAttempt(db.Model):
    """One sign-in attempt, for the per-user-name and per-IP throttles; rows older than a day are pruned.

    `username` is what was typed, stripped and lower-cased, whether or not such a user exists, so that the
    throttle treats existing and unknown names alike."""
    __tablename__ = "login_attempts"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok','wrong','locked','throttled','disabled','reset')", name="outcome"),
        Index("ix_login_attempts_username_at", "username", "attempted_at"),
        Index("ix_login_attempts_ip_at", "ip", "attempted_at"),
        Index("ix_login_attempts_at", "attempted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))  # IPv6 text form is at most 45 characters
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)  # naive UTC
    succeeded: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[str] = mapped_column(String(16))

    def __repr__(self) -> str:
        return f"<LoginAttempt {self.username} {self.ip} {self.outcome}>"


@login_manager.user_loader
def load_user(session_token: str):
    """The user whose current session token the cookie carries, if still active; None ends the session (a
    cookie from before a rotation, or one holding a bare numeric id from before session tokens existed)."""
    if not session_token or not isinstance(session_token, str) or len(session_token) > 64:
        return None
    user = db.session.scalar(select(User).where(User.session_token == session_token))
    if user is None or not user.is_active:
        return None
    return user
