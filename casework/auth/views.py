from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from ..access import ADMIN, any_user, public, roles
from ..domain.errors import DomainError
from ..extensions import db
from ..i18n import _
from ..transaction import commit_now, rollback
from . import bp, services
from .forms import LoginForm, PasswordForm, ProfileForm, UserForm
from .models import User


def _keep_signed_in(user: User) -> None:
    """After the user's own session token was rotated: sign this browser in again under the new token (every
    other session stays ended); a remember-me cookie it had is issued again too."""
    had_remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    login_user(user, remember=had_remember)


def _safe_next(target: str | None) -> str:
    if target and urlsplit(target).netloc == "" and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("common.index")


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("common.index"))
    form = LoginForm()
    if form.validate_on_submit():
        cfg = current_app.config
        try:
            user = services.authenticate(form.username.data, form.password.data,
                                         max_failures=cfg["LOGIN_MAX_FAILURES"],
                                         lockout_minutes=cfg["LOGIN_LOCKOUT_MINUTES"],
                                         ip=request.remote_addr,
                                         ip_max_failures=cfg["LOGIN_IP_MAX_FAILURES"],
                                         ip_window_minutes=cfg["LOGIN_IP_WINDOW_MINUTES"])
        except services.LoginRefused as exc:
            commit_now()  # keep the attempt though the answer is a refusal: the throttles count it
            flash(str(exc), "error")
            headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else {}
            return render_template("auth/login.html", form=form), exc.status, headers
        session.clear()
        login_user(user, remember=form.remember.data)
        session["lang"] = user.locale
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@any_user
def logout():
    user = current_user._get_current_object()
    user.rotate_session_token()  # the session and remember-me cookies of every browser stop working
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/profile", methods=["GET", "POST"])
@any_user
def profile():
    pform = PasswordForm(prefix="pw")
    lform = ProfileForm(prefix="pr", locale=current_user.locale)
    if lform.submit.data and lform.validate_on_submit():
        current_user.locale = lform.locale.data
        session["lang"] = lform.locale.data
        flash(_("Saved."), "success")
        return redirect(url_for("auth.profile"))
    if pform.submit.data and pform.validate_on_submit():
        if not current_user.check_password(pform.current.data):
            flash(_("The current password is wrong."), "error")
        else:
            try:
                services.change_password(current_user, pform.password.data,
                                         min_length=current_app.config["PASSWORD_MIN_LENGTH"], actor=current_user)
            except DomainError as exc:
                rollback(str(exc))
            else:
                _keep_signed_in(current_user._get_current_object())
                flash(_("The password has been changed. Other sessions have been ended."), "success")
                return redirect(url_for("auth.profile"))
    return render_template("auth/profile.html", pform=pform, lform=lform)


@bp.route("/users")
@roles(ADMIN)
def users():
    rows = db.session.scalars(select(User).order_by(User.role, User.username)).all()
    return render_template("auth/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@roles(ADMIN)
def new_user():
    form = UserForm()
    if form.validate_on_submit():
        try:
            services.create_user(form.username.data, form.full_name.data, form.role.data,
                                 form.password.data or "", email=form.email.data or None,
                                 locale=form.locale.data, min_length=current_app.config["PASSWORD_MIN_LENGTH"],
                                 actor=current_user)
        except DomainError as exc:
            rollback(str(exc))
        else:
            flash(_("User %(name)s created.", name=form.username.data), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles(ADMIN)
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    form = UserForm(obj=user, is_active=user.is_active_user)
    del form.username
    if form.validate_on_submit():
        try:
            services.update_user(user, full_name=form.full_name.data, role=form.role.data,
                                 email=form.email.data or None, locale=form.locale.data,
                                 is_active=form.is_active.data, actor=current_user)
            if form.password.data:
                services.change_password(user, form.password.data,
                                         min_length=current_app.config["PASSWORD_MIN_LENGTH"], actor=current_user)
        except DomainError as exc:
            rollback(str(exc))
        else:
            if user.id == current_user.id and form.password.data:
                _keep_signed_in(user)
            flash(_("Saved."), "success")
            return redirect(url_for("auth.users"))
    return render_template("auth/user_form.html", form=form, user=user)


@bp.route("/users/<int:user_id>/end-sessions", methods=["POST"])
@roles(ADMIN)
def end_sessions(user_id: int):
    user = db.get_or_404(User, user_id)
    services.end_sessions(user, actor=current_user)
    if user.id == current_user.id:
        _keep_signed_in(user)
        flash(_("Your other sessions have been ended."), "success")
    else:
        flash(_("All sessions of %(name)s have been ended.", name=user.username), "success")
    return redirect(url_for("auth.edit_user", user_id=user.id))
