"""Runtime settings of the simulator, changeable through ``PUT /_sim/config``."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field


@dataclass
class SimConfig:
    """Mutable settings shared by all request threads (guarded by ``lock``)."""

    admin_login: str = "admin"
    admin_password: str = "admin"
    token_ttl: float = 3600.0
    external_auth_url: str | None = None
    external_auth_timeout: float = 2.0
    _defaults: dict[str, object] = field(default_factory=dict, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self._defaults = {
            "token_ttl": self.token_ttl,
            "external_auth_url": self.external_auth_url,
            "external_auth_timeout": self.external_auth_timeout,
        }

    def update(self, **changes: object) -> None:
        """Apply changes to ``token_ttl`` / ``external_auth_url`` / ``external_auth_timeout``."""
        with self.lock:
            if "token_ttl" in changes:
                self.token_ttl = float(changes["token_ttl"])  # type: ignore[arg-type]
            if "external_auth_url" in changes:
                url = changes["external_auth_url"]
                self.external_auth_url = str(url) if url else None
            if "external_auth_timeout" in changes:
                self.external_auth_timeout = float(changes["external_auth_timeout"])  # type: ignore[arg-type]

    def restore(self) -> None:
        """Go back to the values given at start."""
        self.update(**self._defaults)

    def as_dict(self) -> dict[str, object]:
        """Public view (no password)."""
        return {
            "admin_login": self.admin_login,
            "token_ttl": self.token_ttl,
            "external_auth_url": self.external_auth_url,
            "external_auth_timeout": self.external_auth_timeout,
        }
