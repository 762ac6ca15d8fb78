"""A Flussonic-Watcher-compatible HTTP server (API v3 subset) for tests and demos.

The portal never imports this package; it talks to it over HTTP exactly as it would
talk to a real Watcher. See ``README.md`` for the endpoints and the ``/_sim/``
control surface.
"""

ADMIN_PREFIX = "/watcher/admin-api/v3"
CLIENT_PREFIX = "/watcher/client-api/v3"
