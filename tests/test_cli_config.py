"""Command-line commands and configuration."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from portal.config import ConfigError, load_config
from portal.extensions import db
from portal.models import Organization, Tariff, User


def test_create_admin_from_environment(app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTAL_ADMIN_PASSWORD", "a-long-enough-password")
    result = runner.invoke(args=["users", "create-admin", "Chief@Example.com", "--name", "Chief"])
    assert result.exit_code == 0, result.output
    assert "Admin chief@example.com created." in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user is not None and user.is_admin and user.email == "chief@example.com"
        assert user.check_password("a-long-enough-password")
    again = runner.invoke(args=["users", "create-admin", "chief@example.com"])
    assert again.exit_code != 0 and "already exists" in again.output


def test_create_admin_prompts_and_rejects_short_password(
    app: Flask, runner: FlaskCliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PORTAL_ADMIN_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "create-admin", "a@example.com"], input="short\nshort\n")
    assert result.exit_code != 0 and "at least 10 characters" in result.output
    result = runner.invoke(args=["users", "create-admin", "a@example.com"], input="long-password-1\nlong-password-1\n")
    assert result.exit_code == 0, result.output


def test_demo_load_is_idempotent(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.example" in result.output
    assert "Demo data already present." in runner.invoke(args=["demo", "load"]).output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Tariff)) == 4
        assert db.session.scalar(select(func.count()).select_from(Organization)) == 6
        parent = db.session.scalar(select(Organization).where(Organization.title == "Northwind Security"))
        assert parent is not None and len(parent.children) == 2


def test_production_requires_secrets() -> None:
    with pytest.raises(ConfigError) as error:
        load_config({"PORTAL_ENV": "production"})
    assert "SECRET_KEY" in str(error.value) and "DATABASE_URL" in str(error.value)


def test_production_rejects_short_secret_and_bad_fernet_key() -> None:
    from cryptography.fernet import Fernet

    env = {
        "PORTAL_ENV": "production",
        "SECRET_KEY": "short",
        "DATABASE_URL": "postgresql://x/y",
        "CREDENTIALS_KEY": "k",
        "WATCHER_URL": "http://w",
        "WATCHER_LOGIN": "a",
        "WATCHER_PASSWORD": "b",
        "EXTERNAL_AUTH_SECRET": "s",
    }
    with pytest.raises(ConfigError, match="at least 32"):
        load_config(env)
    env["SECRET_KEY"] = "x" * 40
    with pytest.raises(ConfigError, match="Fernet key"):
        load_config(env)
    env["CREDENTIALS_KEY"] = Fernet.generate_key().decode()
    config = load_config(env)
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_unknown_profile_refused() -> None:
    with pytest.raises(ConfigError):
        load_config({"PORTAL_ENV": "staging"})


def test_billing_settings_are_read_and_validated() -> None:
    config = load_config({"BILLING_PRORATION": "DAY", "INVOICE_TAX_BP": "1900", "INVOICE_DUE_DAYS": "30"})
    assert (config["BILLING_PRORATION"], config["INVOICE_TAX_BP"], config["INVOICE_DUE_DAYS"]) == ("day", 1900, 30)
    assert load_config({})["BILLING_PRORATION"] == "second"
    for env, message in [
        ({"BILLING_PRORATION": "hourly"}, "second or day"),
        ({"INVOICE_TAX_BP": "20001"}, "basis points"),
        ({"INVOICE_TAX_BP": "19%"}, "integer"),
        ({"INVOICE_DUE_DAYS": "-1"}, "between 0 and 365"),
    ]:
        with pytest.raises(ConfigError, match=message):
            load_config(env)
