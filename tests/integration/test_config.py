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
