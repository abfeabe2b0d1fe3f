from casework import create_app
from casework.config import apply_environment, normalize_database_url


def test_environment_layer_reads_database_url_and_prefixed_settings():
    cfg = {}
    apply_environment(cfg, {"DATABASE_URL": "postgresql://u@h/db", "CASEWORK_PAGE_SIZE": "25",
                            "CASEWORK_PRODUCTION": "true", "OTHER": "x"})
    assert cfg["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert cfg["PAGE_SIZE"] == 25 and cfg["PRODUCTION"] is True and "OTHER" not in cfg


def test_postgres_scheme_is_normalised():
    assert normalize_database_url("postgres://a@b/c") == "postgresql+psycopg://a@b/c"


def test_production_config_sets_secure_cookies(tmp_path, monkeypatch):
    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    app = create_app({"PRODUCTION": True, "SECRET_KEY": "x" * 32,
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_the_default_secret(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError):
        create_app({"PRODUCTION": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})


def _prod(tmp_path, **cfg):
    return create_app({"PRODUCTION": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db", **cfg})


def test_production_refuses_a_short_secret_key(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    for key in ("x", "x" * 31, "ключ-из-15-букв"):  # the last: 15 characters, 28 bytes in UTF-8
        with pytest.raises(RuntimeError, match=r"SECRET_KEY is \d+ bytes long; production needs at least 32"):
            _prod(tmp_path, SECRET_KEY=key)
    assert _prod(tmp_path, SECRET_KEY="x" * 32).config["SECRET_KEY"] == "x" * 32
    assert create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})  # development


def test_production_refuses_a_short_secret_key_from_the_environment(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("CASEWORK_PRODUCTION", "1")
    monkeypatch.setenv("SECRET_KEY", "x")
    with pytest.raises(RuntimeError, match="SECRET_KEY is 1 bytes long"):
        create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"})


def test_production_refuses_debug(tmp_path, monkeypatch):
    import pytest

    monkeypatch.setenv("CASEWORK_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    key = "k" * 64
    with pytest.raises(RuntimeError, match="Debug mode is on"):
        _prod(tmp_path, SECRET_KEY=key, DEBUG=True)
    monkeypatch.setenv("CASEWORK_DEBUG", "true")
    with pytest.raises(RuntimeError, match="Debug mode is on"):
        _prod(tmp_path, SECRET_KEY=key)
    monkeypatch.delenv("CASEWORK_DEBUG")
    monkeypatch.setenv("FLASK_DEBUG", "1")  # what `flask --debug run` sets
    with pytest.raises(RuntimeError, match="Debug mode is on"):
        _prod(tmp_path, SECRET_KEY=key)
    monkeypatch.delenv("FLASK_DEBUG")
    assert not _prod(tmp_path, SECRET_KEY=key).debug
    assert create_app({"DEBUG": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/a.db"}).debug  # development
