"""The WSGI application that bench/api_lookup.py serves with gunicorn: the site plus a bare view.

Never part of the site: this URLconf is chosen here, for the benchmark's
server only (`gunicorn bench._api_lookup_app:application`). The bare view
returns, from memory, the bytes of a day-rate answer, with the site's whole
middleware stack in front: the floor any view of this server can reach.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmbench.settings")

from django.conf import settings  # noqa: E402

settings.ROOT_URLCONF = "bench._api_lookup_app"

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()

from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import get_resolver, path  # noqa: E402

from cmbench.urls import urlpatterns as site_patterns  # noqa: E402

# The body the bare view returns: set by the benchmark (a real answer's bytes).
BARE_BODY = Path(os.environ.get("CMBENCH_BARE_BODY", "/dev/null")).read_bytes()


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(BARE_BODY, content_type="application/json")


urlpatterns = [path("bench/bare/", bare), *site_patterns]

# As cmbench.wsgi serves the site: every view loaded, then frozen out of the GC's scans.
get_resolver().url_patterns  # noqa: B018 - loads the URLconf
gc.freeze()
