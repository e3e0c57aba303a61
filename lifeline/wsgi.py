"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

from lifeline import matching

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lifeline.settings")
application = get_wsgi_application()
# The engine's name tables load as the worker starts, not inside a family's first search.
matching.warm_up()
