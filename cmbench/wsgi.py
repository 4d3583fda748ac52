"""The WSGI application that gunicorn serves (`gunicorn cmbench.wsgi:application`)."""

from __future__ import annotations

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmbench.settings")


def loaded_and_frozen(application: object) -> object:
    """`application` with every view imported, and what is loaded so far out of the GC's scans.

    The URLconf (and so every view module) loads now rather than on the first
    request. Then `gc.freeze()` moves the ~270,000 objects of the loaded code
    into the collector's permanent generation: a full collection scans only
    what requests have since allocated, instead of pausing the request that
    triggers it for about 120 ms (measured with the benchmark's URLconf), the
    tail of the API's latency (bench/api_lookup.py). Those objects live as
    long as the process anyway.
    """
    get_resolver().url_patterns  # noqa: B018 - loads the URLconf
    gc.freeze()
    return application


application = loaded_and_frozen(get_wsgi_application())
