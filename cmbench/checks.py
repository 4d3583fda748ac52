"""System checks of the deployment: what `manage.py check --deploy` adds to Django's own.

Behind a load balancer, NUM_PROXIES = 0 (the default) keys every throttle on
the balancer's address: all clients share one bucket, and the first ten
answers of the hour lock everyone out. BEHIND_TLS_PROXY = false (the default)
makes every request look like plain HTTP to the app: with SECURE_SSL_REDIRECT
on, an endless redirect. Neither default can be right or wrong for every
site, so production must say which: the check fails unless both are set in
the environment, whatever their values.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.checks import CheckMessage, Error, Tags, register

# The variables a deployment must set explicitly, with what each one decides.
EXPLICIT_IN_PRODUCTION = {
    "NUM_PROXIES": (
        "how many reverse proxies append to X-Forwarded-For in front of the app (0: none); "
        "it picks the address every rate limit is keyed on"
    ),
    "BEHIND_TLS_PROXY": (
        "whether a proxy terminates HTTPS and sends X-Forwarded-Proto (true or false)"
    ),
}


@register(Tags.security, deploy=True)
def proxy_settings_are_explicit(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """An error for each of NUM_PROXIES and BEHIND_TLS_PROXY missing from the environment."""
    return [
        Error(
            f"{name} is not set in the environment.",
            hint=f"Set {name} to say {meaning}; see .env.example.",
            id=f"cmbench.E00{number}",
        )
        for number, (name, meaning) in enumerate(EXPLICIT_IN_PRODUCTION.items(), start=1)
        if os.environ.get(name, "").strip() == ""
    ]
