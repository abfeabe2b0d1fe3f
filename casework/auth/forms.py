from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from ..i18n import _l

ROLE_CHOICES = [("collector", _l("Collector")), ("lawyer", _l("Lawyer")),
                ("manager", _l("Manager")), ("admin", _l("Administrator"))]
LANG_CHOICES = [("ru", "Русский"), ("en", "English")]


class LoginForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)],
                           render_kw={"autofocus": True, "autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[DataRequired()],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me"))
    submit = SubmitField(_l("Sign in"))


class UserForm(FlaskForm):
    username = StringField(_l("User name"), validators=[DataRequired(), Length(max=64)])
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("E-mail"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    locale = SelectField(_l("Language"), choices=LANG_CHOICES)
    is_active = BooleanField(_l("Active"), default=True)
    password = PasswordField(_l("Password"), validators=[Optional()])
    submit = SubmitField(_l("Save"))


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired()])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))])
    submit = SubmitField(_l("Change password"))


class ProfileForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=LANG_CHOICES)
    submit = SubmitField(_l("Save"))
