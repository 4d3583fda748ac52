"""Imported once by the build's fork server (`workers.PRELOAD`), not by the site.

Django set up on the settings module of the process that started the server
(its environment), and the build lane imported, so that each worker forked
from the server starts ready. Without a settings module in the environment,
each worker sets Django up itself (`workers._worker_start`).
"""

import os

if os.environ.get("DJANGO_SETTINGS_MODULE"):
    import django

    django.setup()

    from benchmarks.build import snapshots  # noqa: F401
