"""Fixtures for Watcher client tests: a real Watcher-compatible server over HTTP.

``watcher_server`` (session): running simulator with ``.url``, ``.admin_login``,
``.admin_password`` and control helpers (see ``watcher_sim.testing.SimHandle``).
``watcher`` (function): the same handle, reset before each test.
"""

from watcher_sim.testing import watcher, watcher_server  # noqa: F401
