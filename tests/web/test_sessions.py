"""Sessions can be ended: a session cookie or a remember-me cookie saved before a logout, a password change, a
role change, disabling or an administrator's «Завершить все сеансы» no longer opens a page when replayed."""
import json

from sqlalchemy import select

from casework.audit.models import AuditEvent
from casework.auth.models import User
from casework.extensions import db

from ..conftest import PASSWORD
from .test_csrf import Browser

PAGE = "/auth/profile"  # any page a signed-in user of any role may open


class CookieBrowser(Browser):
    """A browser whose every request runs in a fresh app context (no current user cached in a shared `g`, a
    database session of its own), with its cookies at hand."""

    def get_cookie(self, name):
        return self.client.get_cookie(name)

    def set_cookie(self, name, value):
        self.client.set_cookie(name, value)

    def session_transaction(self):
        return self.client.session_transaction()


def _sign_in(app, user, password=PASSWORD):
    """A browser of its own, signed in with «Запомнить меня»; returns (client, session cookie, remember cookie)."""
    c = CookieBrowser(app)
    resp = c.post("/auth/login", data={"username": user.username, "password": password, "remember": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
    session_cookie, remember_cookie = c.get_cookie("session"), c.get_cookie("remember_token")
    assert session_cookie is not None and remember_cookie is not None
    return c, session_cookie.value, remember_cookie.value


def _replay(app, *, session=None, remember=None):
    """GET a page in a fresh browser that carries only the given saved cookie(s)."""
    c = CookieBrowser(app)
    if session is not None:
        c.set_cookie("session", session)
    if remember is not None:
        c.set_cookie("remember_token", remember)
    return c.get(PAGE)


def _refused(resp) -> bool:
    return resp.status_code == 302 and "/auth/login" in resp.headers["Location"]


def _assert_all_refused(app, session_value, remember_value):
    assert _refused(_replay(app, session=session_value))
    assert _refused(_replay(app, remember=remember_value))
    assert _refused(_replay(app, session=session_value, remember=remember_value))


def _admin_client(app, make_user):
    admin = make_user("admin")
    c, _s, _r = _sign_in(app, admin)
    return admin, c


def _edit(admin_client, user, **changes):
    data = {"full_name": user.full_name, "role": user.role, "locale": user.locale, "is_active": "y", "password": ""}
    data.update(changes)
    data = {k: v for k, v in data.items() if v is not None}
    return admin_client.post(f"/auth/users/{user.id}", data=data)


def test_saved_cookies_open_pages_until_something_ends_the_sessions(app, make_user):
    """The control for the tests below: each saved cookie alone opens a page in another browser."""
    user = make_user("collector")
    _c, session_value, remember_value = _sign_in(app, user)
    assert _replay(app, session=session_value).status_code == 200
    assert _replay(app, remember=remember_value).status_code == 200


def test_logout_ends_the_saved_session_and_remember_cookies(app, make_user):
    user = make_user("collector")
    c, session_value, remember_value = _sign_in(app, user)
    assert c.get(PAGE).status_code == 200
    assert c.post("/auth/logout").status_code == 302
    _assert_all_refused(app, session_value, remember_value)
    assert _refused(c.get(PAGE))
    # signing in again works and opens pages
    c2, _s, _r = _sign_in(app, user)
    assert c2.get(PAGE).status_code == 200


def test_logout_ends_the_sessions_of_other_browsers_too(app, make_user):
    user = make_user("lawyer")
    office, _s, _r = _sign_in(app, user)
    home, _s2, _r2 = _sign_in(app, user)
    home.post("/auth/logout")
    assert _refused(office.get(PAGE))


def test_own_password_change_ends_old_cookies_but_keeps_this_browser(app, make_user):
    user = make_user("collector")
    c, session_value, remember_value = _sign_in(app, user)
    other, _s, _r = _sign_in(app, user)
    resp = c.post(PAGE, data={"pw-current": PASSWORD, "pw-password": "Kvitantsiya-za-mart-9",
                              "pw-confirm": "Kvitantsiya-za-mart-9", "pw-submit": "1"})
    assert resp.status_code == 302
    assert "Остальные сеансы завершены" in c.get(PAGE).get_data(as_text=True)
    assert c.get(PAGE).status_code == 200  # this browser stays signed in
    # ...with a new remember-me cookie that works in its turn
    new_remember = c.get_cookie("remember_token").value
    assert new_remember != remember_value
    assert _replay(app, remember=new_remember).status_code == 200
    _assert_all_refused(app, session_value, remember_value)
    assert _refused(other.get(PAGE))


def test_password_set_by_an_administrator_ends_the_users_sessions(app, make_user):
    user = make_user("collector")
    _c, session_value, remember_value = _sign_in(app, user)
    _admin, admin_c = _admin_client(app, make_user)
    assert _edit(admin_c, user, password="Kvitantsiya-za-mart-9").status_code == 302
    _assert_all_refused(app, session_value, remember_value)
    assert admin_c.get(PAGE).status_code == 200  # the administrator's own session is untouched


def test_an_administrator_changing_their_own_password_stays_signed_in(app, make_user):
    admin, admin_c = _admin_client(app, make_user)
    _c, session_value, remember_value = _sign_in(app, admin)
    assert _edit(admin_c, admin, password="Kvitantsiya-za-mart-9").status_code == 302
    assert admin_c.get(PAGE).status_code == 200
    _assert_all_refused(app, session_value, remember_value)


def test_role_change_ends_the_users_sessions(app, make_user):
    user = make_user("collector")
    _c, session_value, remember_value = _sign_in(app, user)
    _admin, admin_c = _admin_client(app, make_user)
    assert _edit(admin_c, user, role="lawyer").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).role == "lawyer"
    _assert_all_refused(app, session_value, remember_value)


def test_disabling_ends_the_users_sessions(app, make_user):
    user = make_user("collector")
    _c, session_value, remember_value = _sign_in(app, user)
    _admin, admin_c = _admin_client(app, make_user)
    assert _edit(admin_c, user, is_active=None).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, user.id).is_active
    _assert_all_refused(app, session_value, remember_value)
    # enabling the account again does not bring the old cookies back
    assert _edit(admin_c, user, is_active="y").status_code == 302
    _assert_all_refused(app, session_value, remember_value)


def test_other_edits_keep_the_users_sessions(app, make_user):
    user = make_user("collector")
    _c, session_value, remember_value = _sign_in(app, user)
    _admin, admin_c = _admin_client(app, make_user)
    assert _edit(admin_c, user, full_name="Петрова Анна Сергеевна", locale="en").status_code == 302
    assert _replay(app, session=session_value).status_code == 200
    assert _replay(app, remember=remember_value).status_code == 200


def test_administrator_ends_all_sessions_of_a_user(app, make_user):
    user = make_user("collector")
    c, session_value, remember_value = _sign_in(app, user)
    admin, admin_c = _admin_client(app, make_user)
    page = admin_c.get(f"/auth/users/{user.id}").get_data(as_text=True)
    assert "Завершить все сеансы" in page
    assert f'action="/auth/users/{user.id}/end-sessions"' in page
    assert f'data-confirm="Завершить все сеансы пользователя {user.username}?"' in page
    resp = admin_c.post(f"/auth/users/{user.id}/end-sessions", follow_redirects=True)
    assert resp.status_code == 200
    assert f"Все сеансы пользователя {user.username} завершены." in resp.get_data(as_text=True)
    _assert_all_refused(app, session_value, remember_value)
    assert _refused(c.get(PAGE))
    assert admin_c.get(PAGE).status_code == 200
    events = db.session.execute(select(AuditEvent.user_id, AuditEvent.entity_id)
                                .where(AuditEvent.action == "user.sessions_ended")).all()
    assert events == [(admin.id, user.id)]


def test_ending_sessions_is_for_administrators_and_by_post_only(app, make_user):
    user = make_user("collector")
    manager = make_user("manager")
    mc, _s, _r = _sign_in(app, manager)
    assert mc.post(f"/auth/users/{user.id}/end-sessions").status_code == 403
    _admin, admin_c = _admin_client(app, make_user)
    assert admin_c.get(f"/auth/users/{user.id}/end-sessions").status_code == 405
    assert admin_c.post("/auth/users/999999/end-sessions").status_code == 404


def test_a_cookie_holding_a_bare_user_id_does_not_sign_in(app, make_user):
    """Cookies issued before session tokens carried the numeric primary key: they no longer load anybody."""
    user = make_user("collector")
    c, _s, _r = _sign_in(app, user)
    with c.session_transaction() as sess:
        assert sess["_user_id"] != str(user.id)
        sess["_user_id"] = str(user.id)  # what Flask-Login stored before: get_id() was the primary key
    c.client.delete_cookie("remember_token")
    assert _refused(c.get(PAGE))


def test_the_session_token_stays_out_of_the_audit_trail(app, make_user):
    user = make_user("collector")
    c, _s, _r = _sign_in(app, user)
    c.post("/auth/logout")
    _admin, admin_c = _admin_client(app, make_user)
    admin_c.post(f"/auth/users/{user.id}/end-sessions")
    db.session.expire_all()
    token = db.session.get(User, user.id).session_token
    trail = json.dumps([row for row in db.session.scalars(select(AuditEvent.changes))], ensure_ascii=False)
    assert token and token not in trail
