"""``python -m bench.forgot_timing``: /account/forgot takes the same time for any address.

The issue's bar: medians of 200 tries for a known and an unknown address within
10 % of each other on a quiet machine.  Tries are interleaved so drift hits both
equally; mail goes to a closed port (the answer must not care) and is not sent
from the request anyway.  Prints the medians and exits 1 when they differ by
more than 10 %.  A measurement for a quiet machine, so not part of the suite
(tests/security/test_mail_queue.py has a coarse guard).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path


def main(tries: int = 200) -> int:
    """Measure and compare; returns the exit status."""
    from portal import create_app
    from portal.extensions import db
    from portal.models import Base, User

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "TESTING": True,
                "WTF_CSRF_ENABLED": False,
                "SERVER_NAME": "portal.test",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.sqlite'}",
                "LOGIN_RATE_LIMIT": "100000 per minute",
                "MAIL_PORT": 9,
                "MAIL_SEND_AFTER_RESPONSE": False,
            }
        )
        with app.app_context():
            Base.metadata.create_all(db.engine)
            user = User(email="known@example.com", role="subscriber")
            user.set_password("a long enough password")
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        samples: dict[str, list[float]] = {"known@example.com": [], "unknown@example.com": []}
        for _ in range(tries):
            for email, times in samples.items():
                start = time.perf_counter()
                client.post("/account/forgot", data={"email": email})
                times.append(time.perf_counter() - start)
    known, unknown = (statistics.median(t) for t in samples.values())
    spread = abs(known - unknown) / min(known, unknown)
    print(
        f"forgot: known median {known * 1000:.2f} ms, unknown median {unknown * 1000:.2f} ms, difference {spread:.1%}"
    )
    return 0 if spread <= 0.10 else 1


if __name__ == "__main__":
    sys.exit(main())
