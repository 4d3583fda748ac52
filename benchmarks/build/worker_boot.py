"""Imported once by the build's fork server (`workers.PRELOAD`), not by the site.

Django set up on the settings module of the process that started the server
(its environment), and the build lane imported, so that each worker forked
from the server starts ready. Without a settings module in the environment,
each worker sets Django up itself (`workers._worker_start`).
"""

import atexit
import os
import sys


def _leave_at_once() -> None:
    """The fork server's last act: leave without tearing its interpreter down.

    The server exits when the build's process is gone, and holds that
    process's stdout and stderr (its workers write there): freeing its modules
    one by one (pandas, scipy: about 0.4 s) would hold back whoever reads the
    command's output, for nothing. Workers never run this: they leave through
    `os._exit` already (multiprocessing.forkserver).
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


atexit.register(_leave_at_once)

if os.environ.get("DJANGO_SETTINGS_MODULE"):
    import django

    django.setup()

    import scipy.stats  # noqa: F401  (the statistics import it where used: see stats.intervals)

    from benchmarks.build import snapshots  # noqa: F401
