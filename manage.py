#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cmbench.settings")
    if sys.argv[1:2] == ["publish_snapshot"] and "--if-none" not in sys.argv:
        # The build's fork server boots (Django, pandas, scipy: about 1.7 s) while
        # this process sets Django up, rather than after (benchmarks.build.workers).
        from benchmarks.build import workers

        workers.warm_up(workers.worker_count())
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
