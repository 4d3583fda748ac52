"""cmbench settings: everything that varies between machines comes from the environment.

Every variable is listed in `.env.example`. The helpers below fail loudly with
ImproperlyConfigured rather than guess at a misspelt value.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CMBENCH_VAR_DIR", BASE_DIR / "var"))

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in _TRUE:
        return True
    if raw.strip().lower() in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _secret_key() -> str:
    """SECRET_KEY from the environment; on a developer machine, a key generated once.

    Production sets SECRET_KEY (see docs/operations.md, "Rotating secrets"); the
    file under var/ only spares `make run` a manual step and is never committed.
    """
    if key := os.environ.get("SECRET_KEY"):
        return key
    if env_bool("CMBENCH_PRODUCTION"):
        raise ImproperlyConfigured("Set SECRET_KEY: CMBENCH_PRODUCTION is on.")
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


# CMBENCH_PRODUCTION=1: the site serves real answers over HTTPS. It requires
# SECRET_KEY and ALLOWED_HOSTS, refuses DEBUG, and turns on every HTTPS-only
# setting below by default (each can still be set one by one).
PRODUCTION = env_bool("CMBENCH_PRODUCTION", False)

SECRET_KEY = _secret_key()
# Rotating SECRET_KEY (docs/operations.md): the old keys, comma-separated, keep
# sessions, password-reset links and signed values valid until they expire.
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", [])
DEBUG = env_bool("DEBUG", False)
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be off when CMBENCH_PRODUCTION is on.")
if PRODUCTION and not os.environ.get("ALLOWED_HOSTS"):
    raise ImproperlyConfigured("Set ALLOWED_HOSTS: CMBENCH_PRODUCTION is on.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The database task backend: its queue table and its `db_worker` command.
    "django_tasks_db",
    # The project's wiring: its deploy checks (cmbench.checks).
    "cmbench.apps.CmbenchConfig",
    "surveys",
    "interviews",
    "benchmarks",
    "guides",
    "reports",
]

MIDDLEWARE = [
    # Counts and times every request for /metrics; not installed unless
    # METRICS_ENABLED (the metrics block below).
    "cmbench.metrics.RequestMetricsMiddleware",
    # Outermost, so that every response carries the frame and CSP headers:
    # the HTTPS redirect, static files, 413s, 429s and error pages included.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads the body: DRF's parsers read the stream past
    # DATA_UPLOAD_MAX_MEMORY_SIZE, which only request.body and request.POST check.
    "cmbench.middleware.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cmbench.middleware.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cmbench.middleware.AdminLoginThrottleMiddleware",
    "cmbench.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "cmbench.urls"
WSGI_APPLICATION = "cmbench.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# Django's widget templates through Jinja2 (the same HTML, faster); the rest as usual.
FORM_RENDERER = "cmbench.renderers.FormRenderer"

# Database: SQLite under var/ by default; PostgreSQL (production, CI) from
# DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/cmbench.
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
try:
    _default_db = dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
    )
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {error}") from None
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL and IMMEDIATE transactions let the dev server read while a snapshot
    # is being written, instead of failing with "database is locked".
    _default_db["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    _default_db["CONN_MAX_AGE"] = 0
DATABASES = {"default": _default_db}

# A read replica (docs/scaling.md): public GET requests read the published
# snapshot from it (cmbench.routers); every write, every other read, the admin
# and management commands use the primary. Under the test runner the alias
# mirrors the test database instead of needing one of its own.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    try:
        _replica_db = dj_database_url.parse(
            DATABASE_REPLICA_URL,
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_REPLICA_URL is not a database URL: {error}") from None
    _replica_db["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica_db
    DATABASE_ROUTERS = ["cmbench.routers.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set (production: shared by every app server,
# it holds the throttle buckets); otherwise memory local to the process.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cmbench",
            # Seconds: a Redis that does not answer makes a request fail fast
            # (503, cmbench.errors) instead of holding a worker.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English at /en/.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_THOUSAND_SEPARATOR = True
TIME_ZONE = "Europe/Paris"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

ADMIN_URL = env_str("ADMIN_URL", "admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured("ADMIN_URL must look like 'admin/': no leading slash, one trailing.")

# Content-Security-Policy (Django's own): nothing from a third-party origin,
# no inline script or style without the request's nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Security headers. CMBENCH_PRODUCTION turns the HTTPS-only ones on by
# default: redirect to HTTPS, HSTS for a year with subdomains and preload,
# cookies sent over HTTPS only (see .env.example).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
# The load balancer's health probe and the metrics scraper speak plain HTTP to the app server.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SESSION_COOKIE_HTTPONLY = True
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Admin sign-in: a client (the salted hash of its address, as for survey
# throttles) gets this many failed attempts per sliding window, then 429 until
# enough of them have slid out (cmbench.middleware.AdminLoginThrottleMiddleware;
# every limit counts atomically in cmbench.limits).
ADMIN_LOGIN_MAX_FAILURES = env_int("ADMIN_LOGIN_MAX_FAILURES", 5)
ADMIN_LOGIN_WINDOW_SECONDS = env_int("ADMIN_LOGIN_WINDOW_SECONDS", 15 * 60)

# How many reverse proxies stand in front of the app: the client address is
# taken that many hops from the right of X-Forwarded-For, so a client cannot
# pick its own throttle bucket by sending the header itself.
NUM_PROXIES = env_int("NUM_PROXIES", 0)

DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 256 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's JSONParser, bounded: too deep a body or too long a number is a 400, not a 500.
    "DEFAULT_PARSER_CLASSES": ["cmbench.parsers.BoundedJSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cmbench.api.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
    # The one throttle class: each view names its scope (cmbench.throttling).
    # Submissions have no scope: their one limit per client is their service's,
    # shared with the page (SURVEY_ and INTERVIEW_SUBMISSIONS_PER_HOUR below).
    "DEFAULT_THROTTLE_CLASSES": ["cmbench.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "anon_read": os.environ.get("THROTTLE_READ", "600/min"),
        # Withdrawal attempts, API and page together (privacy rule 9).
        "withdraw": os.environ.get("THROTTLE_WITHDRAW", "10/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "cmbench API",
    "DESCRIPTION": "Salary and freelance day-rate benchmarks of community managers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Public reads of the published snapshot (benchmarks.read.lookup): a worker keeps
# the current snapshot this many seconds before asking again, and remembers up
# to this many cells it served (a published cell never changes), and this many
# rendered cohort answers of the API (about 1.5 kB each). Lookups use
# prepared statements on PostgreSQL; turn them off behind a transaction-mode
# pooler that cannot hold them (PgBouncer before 1.21).
BENCHMARKS_SNAPSHOT_TTL = env_int("BENCHMARKS_SNAPSHOT_TTL", 5)
BENCHMARKS_CELL_MEMO_SIZE = env_int("BENCHMARKS_CELL_MEMO_SIZE", 20_000)
BENCHMARKS_ANSWER_MEMO_SIZE = env_int("BENCHMARKS_ANSWER_MEMO_SIZE", 10_000)
BENCHMARKS_PREPARED_LOOKUPS = env_bool("BENCHMARKS_PREPARED_LOOKUPS", True)
# Processes a snapshot build computes its countries and editions on
# (benchmarks.build.workers): the job host's cores; 1 computes them all in the
# build's own process.
BENCHMARKS_BUILD_WORKERS = env_int("BENCHMARKS_BUILD_WORKERS", 2)

# Survey defences (DESIGN.md privacy rule 6): a form filled faster than this is
# refused; a client may submit this many answers per hour, and this many
# interviews, by the page and the API together (the one limit of each).
SURVEY_MIN_FILL_SECONDS = env_int("SURVEY_MIN_FILL_SECONDS", 20)
SURVEY_SUBMISSIONS_PER_HOUR = env_int("SURVEY_SUBMISSIONS_PER_HOUR", 10)
INTERVIEW_SUBMISSIONS_PER_HOUR = env_int("INTERVIEW_SUBMISSIONS_PER_HOUR", 5)

# Snapshot builds are tasks (benchmarks.tasks). Production sets
# TASKS_BACKEND=django_tasks_db.DatabaseBackend and runs one `manage.py db_worker`
# on the job host (docs/operations.md): the admin's "publish" only queues the
# build. Without it, the immediate backend runs the build at once in the process
# that asks, so `make run` and the tests need no worker.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND")
        or "django.tasks.backends.immediate.ImmediateBackend"
    }
}

# A withdrawal request (its path may hold a receipt code, its body does) is
# logged without its path and without the request (cmbench.logging, privacy
# rule 9): on every logger that Django hands requests to, and on the console.
_WITHDRAWAL_FILTER = ["withdrawal_requests"]
# LOG_FORMAT=json: one JSON object per line on the console, for a log shipper
# (cmbench.logging.JsonFormatter), with the same filters; "plain" by default.
LOG_FORMAT = env_str("LOG_FORMAT", "plain").strip().lower() or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"withdrawal_requests": {"()": "cmbench.logging.WithdrawalRequestFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "cmbench.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": _WITHDRAWAL_FILTER,
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Request lines would carry client addresses: the access log is off by
        # default (DESIGN.md privacy rule 10).
        "django.server": {
            "handlers": [],
            "level": "ERROR",
            "propagate": False,
            "filters": _WITHDRAWAL_FILTER,
        },
        # 4xx and 5xx responses, with their path.
        "django.request": {"filters": _WITHDRAWAL_FILTER},
        # Refusals that any client can provoke on any address, with the request.
        "django.security.csrf": {"filters": _WITHDRAWAL_FILTER},
        "django.security.DisallowedHost": {"filters": _WITHDRAWAL_FILTER},
        "django.security.RequestDataTooBig": {"filters": _WITHDRAWAL_FILTER},
        # SQL with its parameters (an answer's free text) is logged at DEBUG:
        # never, whatever LOG_LEVEL says (tests/test_logging.py).
        "django.db.backends": {"level": "INFO"},
        # The PDF renderer narrates each step at INFO (and the report's CSS at
        # WARNING, muted in reports.pdf): only its errors are worth a line.
        "weasyprint": {"level": "ERROR"},
        "weasyprint.progress": {"level": "ERROR"},
    },
}

# --- Metrics (cmbench.metrics; docs/operations.md, "Metrics and alerts") -------------------
# GET /metrics in Prometheus's text format. A 404 unless METRICS_ENABLED (on by
# default once METRICS_TOKEN is set); then only for `Authorization: Bearer
# <METRICS_TOKEN>` (the scraper) or a signed-in staff member: never anonymous.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
if METRICS_TOKEN and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured(
        "METRICS_TOKEN must be at least 32 characters: "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'."
    )
METRICS_ENABLED = env_bool("METRICS_ENABLED", bool(METRICS_TOKEN))
# gunicorn with several workers: each keeps its request counts in files of this
# directory and a scrape sums them (prometheus_client's multiprocess mode).
# prometheus_client reads the variable itself when imported, so it must be in
# the environment of gunicorn (not only here), and the directory must exist and
# be emptied each time gunicorn starts. Unset: one process's counts per scrape.
PROMETHEUS_MULTIPROC_DIR = os.environ.get("PROMETHEUS_MULTIPROC_DIR", "")
if PROMETHEUS_MULTIPROC_DIR and not Path(PROMETHEUS_MULTIPROC_DIR).is_dir():
    raise ImproperlyConfigured(
        f"PROMETHEUS_MULTIPROC_DIR={PROMETHEUS_MULTIPROC_DIR!r} is not a directory: create it "
        "(empty) before gunicorn starts."
    )
# --- end of metrics ---------------------------------------------------------------------------
