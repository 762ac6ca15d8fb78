"""gunicorn settings: ``gunicorn -c gunicorn.conf.py app:app``.

The access log leaves out query strings and masks the external-auth secret
(see portal/gunicorn_logging.py): Watcher's external authentication sends the
password as a query parameter and the URL carries the shared secret.
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
timeout = 60
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
logger_class = "portal.gunicorn_logging.RedactingLogger"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss "%(a)s"'
