"""Admin forms push to Watcher right after commit; Watcher being down never breaks the form."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxItem, Tariff
from portal.watcher import WatcherClient
from tests.factories import login, make_admin, make_service
from tests.mailbox import Mailbox, mailbox  # noqa: F401
from watcher_sim.testing import SimHandle


@pytest.fixture()
def app_config(watcher: SimHandle, mailbox: Mailbox) -> dict[str, Any]:  # noqa: F811
    """The simulator plus a real SMTP server."""
    return {
        "WATCHER_URL": watcher.url,
        "WATCHER_LOGIN": watcher.admin_login,
        "WATCHER_PASSWORD": watcher.admin_password,
        "WATCHER_TIMEOUT": 30,
        "WATCHER_QUICK_TIMEOUT": 15,
        "WATCHER_RETRIES": 1,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,
        "PUBLIC_URL": "http://portal.test",
    }


def _admin(app: Flask, client: FlaskClient) -> int:
    with app.app_context():
        make_admin()
        service_id = make_service("Archive 14", kind="continuous_archive", archive_days=14).id
        db.session.commit()
    login(client, "admin@example.com")
    return service_id


def _new_tariff(client: FlaskClient, service_id: int, name: str = "Silver") -> str:
    data = {
        "name": name,
        "note": "",
        "currency": "EUR",
        "price_mode": "sum",
        "services": [str(service_id)],
        "effective_from": "2026-01-01",
        "override_price": "",
    }
    return client.post("/admin/tariffs/new", data=data, follow_redirects=True).get_data(as_text=True)


def test_tariff_form_pushes_preset_right_after_commit(app: Flask, client: FlaskClient, wclient: WatcherClient) -> None:
    service_id = _admin(app, client)
    page = _new_tariff(client, service_id)
    assert "Watcher: synced" in page
    preset = next(p for p in wclient.iter_presets() if p.title == "Silver")
    assert preset.expiration == 14 * 86400 and preset.is_adjustable is False
    # changing the service re-pushes the presets built from it
    client.post(
        f"/admin/services/{service_id}/edit",
        data={
            "name": "Archive 21",
            "kind": "continuous_archive",
            "archive_days": "21",
            "monthly_price": "5.00",
            "currency": "EUR",
            "description": "",
        },
    )
    assert wclient.get_preset(preset.id).expiration == 21 * 86400


def test_watcher_down_the_form_saves_and_says_pending(
    app: Flask, client: FlaskClient, watcher: SimHandle, wclient: WatcherClient
) -> None:
    service_id = _admin(app, client)
    watcher.fault("error", count=100, status=503)
    page = _new_tariff(client, service_id, "Bronze")
    assert "Tariff" in page and "Traceback" not in page
    assert "Watcher: error" in page
    with app.app_context():
        tariff = db.session.scalar(select(Tariff).where(Tariff.name == "Bronze"))
        assert tariff is not None and tariff.watcher_id is None
        assert tariff.sync_error and tariff.sync_error in page  # the Watcher error's title, readable
        item = db.session.scalar(select(OutboxItem))
        assert item.state == "pending" and item.attempts == 1
    watcher.clear_faults()
    with app.app_context():
        db.session.execute(db.update(OutboxItem).values(next_attempt_at=OutboxItem.created_at))
        db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["watcher", "dispatch"])
    assert "Delivered 1, failed 0." in result.output
    assert [p.title for p in wclient.iter_presets()].count("Bronze") == 1


def test_organization_with_new_owner_is_pushed_and_owner_activates_by_email(
    app: Flask, client: FlaskClient, wclient: WatcherClient, watcher: SimHandle, mailbox: Mailbox
) -> None:  # noqa: F811
    import re

    from tests.organizations.test_forms import valid

    _admin(app, client)
    with app.app_context():
        from tests.factories import make_tariff

        tariff_id = make_tariff("Starter", is_default_offer=True).id
        db.session.commit()
    page = client.post(
        "/admin/organizations/new",
        data=valid(owner_email="Boss@NewCo.example", title="NewCo", allowed_tariffs=[str(tariff_id)]),
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "An activation e-mail was sent to boss@newco.example." in page
    assert "Watcher: synced" in page
    remote = next(o for o in wclient.iter_organizations() if o.title == "NewCo")
    owner = wclient.find_user_by_login("boss@newco.example")
    assert owner is not None and remote.owner_id == owner.id
    assert [p.title for p in wclient.iter_presets(organization_id=remote.id)] == ["Starter"]

    body = Mailbox.body(mailbox.last_to("boss@newco.example"))
    path = re.search(r"http://portal\.test(/account/activate/\S+)", body).group(1)  # type: ignore[union-attr]
    client.post("/logout")
    client.post(path, data={"password": "boss-password-1", "confirm": "boss-password-1"})
    WatcherClient(watcher.url, "boss@newco.example", "boss-password-1", api="client", timeout=30, retries=0).login_now(
        "client"
    )
