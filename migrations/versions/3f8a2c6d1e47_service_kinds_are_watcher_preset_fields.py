"""services: each kind is one Watcher preset field; event GB becomes an archive space cap

Watcher's ``dvr.storage_limit`` caps a camera's *whole* archive, continuous recording
included, yet the portal filled it from the event archive's "GB".  Services now mean
exactly one preset field each: continuous archive days -> ``dvr.expiration``, event archive
days -> ``dvr.episodes_expiration``, archive space cap GB (new kind ``archive_space``) ->
``dvr.storage_limit``, analytics -> ``vision.alg``.

Existing services are carried over without changing what any preset holds:
* an event archive with only a GB size becomes an archive space cap (same name, price, GB);
* an event archive with days *and* GB keeps its days (and price); its GB moves to a new
  archive space cap service "<name> (space cap)" at price 0 in every tariff that had it.
Each changed service is printed and written to the audit trail; every tariff using one gets a
``tariff.preset_review`` audit row, and the Sync page asks the admin to confirm before those
presets are pushed again (re-pushing changes paying customers' archives).

Downgrade turns archive space caps back into GB-only event archives (a split service stays
two services).

Revision ID: 3f8a2c6d1e47
Revises: 7c3e5b1a9d20
Create Date: 2026-11-30 13:40:00

"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

from portal.models.base import UTCDateTime

revision = '3f8a2c6d1e47'
down_revision = '7c3e5b1a9d20'
branch_labels = None
depends_on = None

KINDS_NEW = "kind IN ('continuous_archive', 'event_archive', 'archive_space', 'analytics', 'other')"
KINDS_OLD = "kind IN ('continuous_archive', 'event_archive', 'analytics', 'other')"


def _sql(statement: str) -> sa.TextClause:
    """A text statement whose ``:at`` is bound as the portal's UTC timestamp type."""
    text = sa.text(statement)
    return text.bindparams(sa.bindparam("at", type_=UTCDateTime())) if ":at" in statement else text


def _audit(conn, now, action: str, object_type: str, object_id: int, summary: str, before=None, after=None) -> None:
    conn.execute(_sql(
        "INSERT INTO audit_events (created_at, actor_label, action, object_type, object_id, summary, before, after)"
        " VALUES (:at, 'migration 3f8a2c6d1e47', :action, :type, :id, :summary, :before, :after)"
    ).bindparams(sa.bindparam("before", type_=sa.JSON), sa.bindparam("after", type_=sa.JSON)),
        {"at": now, "action": action, "type": object_type, "id": object_id, "summary": summary[:2000],
         "before": before, "after": after})


def _links_aside(conn) -> list:
    """SQLite rebuilds ``services`` to change its checks, and tariff_services' ON DELETE RESTRICT
    refuses dropping the old table while links exist: keep the links aside meanwhile."""
    if conn.dialect.name != "sqlite":
        return []
    links = conn.execute(sa.text("SELECT tariff_id, service_id FROM tariff_services")).all()
    conn.execute(sa.text("DELETE FROM tariff_services"))
    return links


def _links_back(conn, links: list) -> None:
    for tariff_id, service_id in links:
        conn.execute(sa.text("INSERT INTO tariff_services (tariff_id, service_id) VALUES (:t, :s)"),
                     {"t": tariff_id, "s": service_id})


def upgrade():
    conn = op.get_bind()
    now = datetime.now(timezone.utc)
    links = _links_aside(conn)
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_services_kind_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_services_event_has_days_or_gb'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_services_kind_known'), KINDS_NEW)
    _links_back(conn, links)
    rows = conn.execute(sa.text(
        "SELECT id, name, archive_days, archive_gb, monthly_price_minor, currency FROM services"
        " WHERE kind = 'event_archive' AND archive_gb > 0 ORDER BY id")).all()
    tariffs: set[int] = set()
    for sid, name, days, gb, price, currency in rows:
        users = [r[0] for r in conn.execute(sa.text(
            "SELECT tariff_id FROM tariff_services WHERE service_id = :s ORDER BY tariff_id"), {"s": sid})]
        tariffs.update(users)
        before = {"kind": "event_archive", "archive_days": days, "archive_gb": gb}
        if not days:
            conn.execute(_sql("UPDATE services SET kind = 'archive_space', archive_days = NULL, updated_at = :at"
                                 " WHERE id = :s"), {"s": sid, "at": now})
            summary = f"{name}: event archive {gb} GB -> archive space cap {gb} GB (whole archive)"
            _audit(conn, now, "service.kind_migrated", "service", sid, summary, before,
                   {"kind": "archive_space", "archive_days": None, "archive_gb": gb})
        else:
            conn.execute(_sql("UPDATE services SET archive_gb = NULL, updated_at = :at WHERE id = :s"),
                         {"s": sid, "at": now})
            new_name = _free_name(conn, f"{name} (space cap)")
            conn.execute(_sql(
                "INSERT INTO services (name, kind, archive_days, archive_gb, analytics, monthly_price_minor, currency,"
                " description, created_at, updated_at) VALUES (:n, 'archive_space', NULL, :gb, NULL, 0, :c, :d, :at, :at)"
            ), {"n": new_name, "gb": gb, "c": currency, "at": now,
                "d": f"Split from '{name}' by the service-kind migration: caps the whole archive."})
            new_id = conn.execute(sa.text("SELECT id FROM services WHERE name = :n"), {"n": new_name}).scalar_one()
            for tariff_id in users:
                conn.execute(sa.text("INSERT INTO tariff_services (tariff_id, service_id) VALUES (:t, :s)"),
                             {"t": tariff_id, "s": new_id})
            summary = (f"{name}: event archive {days} days + {gb} GB -> event archive {days} days; "
                       f"{gb} GB moved to new service '{new_name}' (price 0) in {len(users)} tariff(s)")
            _audit(conn, now, "service.kind_migrated", "service", sid, summary, before,
                   {"kind": "event_archive", "archive_days": days, "archive_gb": None, "split_into": new_id})
        print(f"  service #{sid} {summary}")
    for tariff_id in sorted(tariffs):
        _audit(conn, now, "tariff.preset_review", "tariff", tariff_id,
               "service kinds migrated: confirm on the Sync page before this preset is pushed again")
    print(f"  {len(rows)} service(s) changed; {len(tariffs)} tariff preset(s) wait for confirmation on the Sync page")
    links = _links_aside(conn)
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_services_event_has_days'),
                                         "kind <> 'event_archive' OR (archive_days > 0 AND archive_gb IS NULL)")
        batch_op.create_check_constraint(batch_op.f('ck_services_space_has_gb'),
                                         "kind <> 'archive_space' OR (archive_gb > 0 AND archive_days IS NULL)")
    _links_back(conn, links)


def _free_name(conn, wanted: str) -> str:
    name, n = wanted[:120], 2
    while conn.execute(sa.text("SELECT 1 FROM services WHERE lower(name) = lower(:n)"), {"n": name}).first():
        suffix = f" {n}"
        name, n = wanted[:120 - len(suffix)] + suffix, n + 1
    return name


def downgrade():
    conn = op.get_bind()
    links = _links_aside(conn)
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_services_space_has_gb'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_services_event_has_days'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_services_kind_known'), type_='check')
    op.execute("UPDATE services SET kind = 'event_archive' WHERE kind = 'archive_space'")
    with op.batch_alter_table('services', schema=None) as batch_op:
        batch_op.create_check_constraint(batch_op.f('ck_services_kind_known'), KINDS_OLD)
        batch_op.create_check_constraint(batch_op.f('ck_services_event_has_days_or_gb'),
                                         "kind <> 'event_archive' OR archive_days > 0 OR archive_gb > 0")
    _links_back(conn, links)
