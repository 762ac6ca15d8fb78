"""WSGI entry point: ``gunicorn app:app`` or ``flask --app app run``."""

from portal import create_app

app = create_app()
