"""Converge Watcher on an organization's suspension state (called by the organization's push).

What the published API offers, and what we follow (Flussonic docs, read for issue 14):

* "Integration with existing billing system" (flussonic.com/doc/watcher/integration-with-existing-billing-system/):
  billing is the master system; presets are the billing plans and are made non-configurable; the
  guide gives example requests "to suspend Watcher services for a subscriber".  We suspend with
  published v3 requests only: ``PUT /watcher/admin-api/v3/users/{id}`` with ``disabled: true``
  (published model ``User``; the password is write-only and never sent, so it is kept) and, when
  the policy stops recording, ``PUT /watcher/admin-api/v3/streams/{name}`` with ``preset: {id}``
  (operation ``StreamSave``: "If you pass only a partial stream configuration, this field will be
  updated") onto a live-only preset.
* "Managing tariffs" (flussonic.com/doc/watcher/managing-tariffs/): "Without any tariff, cameras are
  live-only": the live-only preset is a non-adjustable preset with no ``dvr`` settings.
* "Presets management": the presets offered to a camera are those linked to its organization, so
  the live-only preset is linked (``PUT /organizations/{id}/presets``) while the organization is
  suspended and unlinked after.

Each moved camera's previous preset is stored *before* the camera is moved
(:class:`portal.models.SuspendedCamera`) and put back exactly on restoration; a camera whose
preset someone changed in the meantime is left as it is.  Idempotent: re-running converges.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import settings as portal_settings
from portal.extensions import db
from portal.models import Organization, SuspendedCamera, Suspension
from portal.watcher import PresetSpec, WatcherClient

STREAM_FIELDS = ("name", "organization", "organization_id", "preset")


def live_preset_id(client: WatcherClient, title: str) -> int:
    """The live-only preset's Watcher id, created once (found again by title, never duplicated)."""
    found = next((p for p in client.iter_presets() if p.title == title and p.deleted_at is None), None)
    if found is not None:
        return found.id
    return client.create_preset(PresetSpec(title=title, is_adjustable=False, is_default=False)).id


def converge_cameras(client: WatcherClient, org: Organization) -> None:
    """Cameras on the live-only preset while suspended with ``stop_recording``, else on their own."""
    if org.watcher_id is None:
        return
    window = db.session.scalar(
        select(Suspension).where(Suspension.organization_id == org.id, Suspension.ended_at.is_(None))
    )
    want_live = window is not None and window.stop_recording
    moved = {
        row.camera_name: row
        for row in db.session.scalars(select(SuspendedCamera).where(SuspendedCamera.organization_id == org.id))
    }
    if not want_live and not moved:
        return  # the common case costs Watcher nothing
    streams = [s for s in client.iter_streams(select=STREAM_FIELDS, limit=500) if s.organization_id == org.watcher_id]
    title = portal_settings.current().dunning.live_preset_title
    if want_live:
        live = live_preset_id(client, title)
        if live not in {p.id for p in client.iter_presets(organization_id=org.watcher_id)}:
            client.allow_preset(org.watcher_id, live)
        for stream in streams:
            if stream.preset_id == live:
                continue
            if stream.name not in moved:
                row = SuspendedCamera(
                    camera_name=stream.name,
                    organization_id=org.id,
                    previous_preset_id=stream.preset_id,
                    live_preset_id=live,
                )
                db.session.add(row)
                db.session.flush()  # recorded before the camera moves, kept even if the move fails
            client.set_stream_preset(stream.name, live)
        return
    by_name = {s.name: s for s in streams}
    lives = {row.live_preset_id for row in moved.values()}
    for row in moved.values():
        found = by_name.get(row.camera_name)
        if found is not None and found.preset_id == row.live_preset_id and row.previous_preset_id is not None:
            client.set_stream_preset(found.name, row.previous_preset_id)
        db.session.delete(row)
        db.session.flush()
    allowed = {p.id for p in client.iter_presets(organization_id=org.watcher_id)}
    for live in sorted(lives & allowed):
        client.disallow_preset(org.watcher_id, live)
