"""The WSGI application (gunicorn config.wsgi).

Outside the embedded mode the deployment checks run first (tanzim/common/checks.py): a site that
still carries an embedded default (the development secret key, simulated adapters, eager Celery,
no HTTPS…) raises ImproperlyConfigured here, so no gunicorn worker boots and gunicorn stops.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

from tanzim.common.checks import refuse_unsafe_start  # noqa: E402 - needs the apps loaded above

refuse_unsafe_start()
