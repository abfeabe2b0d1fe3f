from sqlalchemy import select

from casework.auth.models import LoginAttempt, User
from casework.extensions import db

from ..conftest import PASSWORD


def test_anonymous_user_is_sent_to_login(client):
    resp = client.get("/accounts/")
    assert resp.status_code == 302
    assert "/auth/login" in resp.headers["Location"]


def test_login_page_is_russian_by_default(client):
    resp = client.get("/auth/login")
    assert resp.status_code == 200
    assert "Войти" in resp.get_data(as_text=True)


def test_wrong_password_says_so_and_counts_attempts(client, make_user):
    user = make_user("collector")
    resp = client.post("/auth/login", data={"username": user.username, "password": "nope-12345"})
    assert resp.status_code == 401
    assert "Неверное имя пользователя или пароль" in resp.get_data(as_text=True)
    attempts = db.session.execute(select(LoginAttempt.username, LoginAttempt.ip, LoginAttempt.succeeded,
                                         LoginAttempt.outcome)).all()
    assert attempts == [(user.username.lower(), "127.0.0.1", False, "wrong")]


def test_five_failures_lock_the_account_even_for_the_right_password(client, make_user):
    user = make_user("collector")
    for _ in range(5):
        client.post("/auth/login", data={"username": user.username, "password": "wrong-pass-1"})
    resp = client.post("/auth/login", data={"username": user.username, "password": PASSWORD})
    assert resp.status_code == 429
    assert "заблокирована" in resp.get_data(as_text=True)


def test_collector_cannot_open_user_admin(client, login):
    login("collector")
    assert client.get("/auth/users").status_code == 403


def test_admin_creates_user_and_weak_password_is_refused(client, login):
    login("admin")
    resp = client.post("/auth/users/new", data={"username": "ivanov", "full_name": "Иванов И. И.",
                                                 "role": "lawyer", "locale": "ru", "password": "short",
                                                 "is_active": "y"})
    assert resp.status_code == 200
    assert "не короче 10" in resp.get_data(as_text=True)
    resp = client.post("/auth/users/new", data={"username": "ivanov", "full_name": "Иванов И. И.",
                                                 "role": "lawyer", "locale": "ru", "password": "Longer-pass-42",
                                                 "is_active": "y"})
    assert resp.status_code == 302
    assert db.session.scalar(db.select(User).filter_by(username="ivanov")).role == "lawyer"


def test_english_is_selectable_per_user(client, login):
    login("collector", locale="en")
    resp = client.get("/auth/profile")
    assert "Change password" in resp.get_data(as_text=True)
