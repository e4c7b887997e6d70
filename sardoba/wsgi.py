"""WSGI entry point: the REST API under a sync server (gunicorn).

The WebSocket needs ASGI (`sardoba.asgi`); a deployment that serves HTTP from
gunicorn routes `/api/v1/notifications/ws` to an ASGI server (see README,
"Performance").
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sardoba.settings.local")
application = get_wsgi_application()
