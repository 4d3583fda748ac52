"""Every limit is atomic: parallel requests from one client get exactly `limit` through.

Three layers: the sliding window's arithmetic (`cmbench.limits.hit` at chosen
instants); threads hammering one counter in this process, in local memory and
in Redis; and a real gunicorn serving the site on 127.0.0.1, with requests
fired together from threads at each limit of the site: answers per hour and
interviews per hour (one limit each), the API's withdrawal throttle, admin
sign-in failures, and the survey form's single-use start token. The server runs one
process with threads and the local-memory cache, then (with REDIS_TEST_URL)
three processes sharing Redis, as production does.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
import redis
from django.conf import settings
from django.core import signing
from django.test import override_settings

from cmbench import limits
from surveys.forms import STARTED_SALT, started_token_key
from tests.conftest import requires
from tests.factories import valid_answers
from tests.test_faults import free_port, wait_for

REPO = Path(__file__).resolve().parent.parent
HOUR = 3600


# --- The sliding window --------------------------------------------------------------------


def test_a_fresh_window_lets_exactly_the_limit_through_then_says_when_to_come_back() -> None:
    start = 100 * HOUR  # the start of window 100

    hits = [limits.hit("k", limit=3, window_seconds=HOUR, now=start + 60) for _ in range(5)]

    assert [hit.allowed for hit in hits] == [True, True, True, False, False]
    # Window 100 is full (3): in window 101 it weighs 3 * (1 - f); 3 * (1 - f) + 1 <= 3 from
    # f = 1/3, i.e. 3540 s to the end of this window + 1200 s into the next.
    assert hits[3].retry_after == 3540 + 1200
    assert hits[0].retry_after == 0


def test_the_previous_window_weighs_in_as_it_slides_away() -> None:
    start = 100 * HOUR
    for _ in range(4):
        assert limits.hit("k", limit=4, window_seconds=HOUR, now=start + 10).allowed

    # A quarter into window 101, window 100 weighs 4 * 0.75 = 3: one more passes, not two.
    quarter = start + HOUR + HOUR // 4
    first = limits.hit("k", limit=4, window_seconds=HOUR, now=quarter)
    second = limits.hit("k", limit=4, window_seconds=HOUR, now=quarter)
    # Halfway, 4 * 0.5 + 1 + this one = 4: it passes.
    halfway = limits.hit("k", limit=4, window_seconds=HOUR, now=start + HOUR + HOUR // 2)

    assert (first.allowed, second.allowed, halfway.allowed) == (True, False, True)
    # 4 * (1 - f) + 1 + 1 <= 4 from f = 1/2: 900 s after the quarter.
    assert second.retry_after == 900


def test_a_refused_hit_is_not_counted_and_a_released_one_is_given_back() -> None:
    now = 100 * HOUR
    allowed = [limits.hit("k", limit=2, window_seconds=HOUR, now=now) for _ in range(2)]
    refused = limits.hit("k", limit=2, window_seconds=HOUR, now=now)

    limits.release(allowed[0])
    limits.release(refused)  # never counted: nothing to give back
    again = limits.hit("k", limit=2, window_seconds=HOUR, now=now)
    full = limits.hit("k", limit=2, window_seconds=HOUR, now=now)

    assert (refused.allowed, again.allowed, full.allowed) == (False, True, False)


def test_full_tells_the_refusal_hit_would_give_and_counts_nothing() -> None:
    now = 100 * HOUR + 60
    for _ in range(2):
        assert limits.full("k", limit=3, window_seconds=HOUR, now=now) is None
    assert limits.hit("k", limit=3, window_seconds=HOUR, now=now).allowed
    assert limits.hit("k", limit=3, window_seconds=HOUR, now=now).allowed
    assert limits.full("k", limit=3, window_seconds=HOUR, now=now) is None  # one left
    assert limits.hit("k", limit=3, window_seconds=HOUR, now=now).allowed

    early = limits.full("k", limit=3, window_seconds=HOUR, now=now)
    refused = limits.hit("k", limit=3, window_seconds=HOUR, now=now)

    assert early is not None and not early.allowed and not refused.allowed
    assert early.retry_after == refused.retry_after == 3540 + 1200
    # A quarter into the next window the full one still weighs 3 * 0.75, and 2.25 + 1 > 3;
    # halfway, 1.5 + 1 <= 3: one more passes, then no other.
    quarter = limits.full("k", limit=3, window_seconds=HOUR, now=101 * HOUR + HOUR // 4)
    # Passes from f = 1/3 (1 + 3 * (1 - f) <= 3): 300 s on; rounding up a float that
    # lands a hair above 300 may say 301 (never less than the wait).
    assert quarter is not None and quarter.retry_after in (300, 301)
    halfway = 101 * HOUR + HOUR // 2
    assert limits.full("k", limit=3, window_seconds=HOUR, now=halfway) is None
    assert limits.hit("k", limit=3, window_seconds=HOUR, now=halfway).allowed
    assert limits.full("k", limit=3, window_seconds=HOUR, now=halfway) is not None


def test_each_key_counts_alone() -> None:
    now = 100 * HOUR
    assert limits.hit("a", limit=1, window_seconds=HOUR, now=now).allowed
    assert limits.hit("b", limit=1, window_seconds=HOUR, now=now).allowed
    assert not limits.hit("a", limit=1, window_seconds=HOUR, now=now).allowed


# --- Threads on one counter, in this process -----------------------------------------------


def hammer(key: str, *, limit: int, requests: int) -> Counter[bool]:
    """`requests` threads released together, each counting one hit under `key`."""
    barrier = threading.Barrier(requests)

    def one(_index: int) -> bool:
        barrier.wait()
        return limits.hit(key, limit=limit, window_seconds=HOUR).allowed

    with ThreadPoolExecutor(max_workers=requests) as pool:
        return Counter(pool.map(one, range(requests)))


def test_parallel_hits_in_local_memory_let_exactly_the_limit_through() -> None:
    assert hammer("threads", limit=10, requests=60) == Counter({True: 10, False: 50})


@pytest.fixture
def redis_cache() -> Iterator[tuple[redis.Redis, str]]:
    """Django's cache on the test Redis, under a prefix of this test's own."""
    url = os.environ.get("REDIS_TEST_URL", "")
    if not url:
        requires("CMBENCH_REQUIRE_REDIS", "needs Redis: set REDIS_TEST_URL")
    reader = redis.Redis.from_url(url)
    try:
        reader.ping()
    except redis.ConnectionError:
        requires("CMBENCH_REQUIRE_REDIS", f"Redis at {url} does not answer")
    prefix = f"cmbench-limits-{uuid.uuid4().hex[:12]}"
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": prefix,
        }
    }
    with override_settings(CACHES=caches):
        yield reader, prefix
    for key in reader.scan_iter(match=f"{prefix}:*"):
        reader.delete(key)
    reader.close()


def test_parallel_hits_in_redis_let_exactly_the_limit_through(redis_cache) -> None:  # type: ignore[no-untyped-def]
    reader, prefix = redis_cache

    counted = hammer("threads", limit=10, requests=60)

    assert counted == Counter({True: 10, False: 50})
    (key,) = [k.decode() for k in reader.scan_iter(match=f"{prefix}:*")]
    # The refused hits gave their count back; the counter lives out the next window too.
    assert reader.get(key) == b"10"
    assert HOUR < reader.ttl(key) <= 2 * HOUR


# --- A real server -------------------------------------------------------------------------


@dataclass
class Site:
    """cmbench migrated into a database of its own, its static files collected."""

    directory: Path
    env: dict[str, str]
    count_rows: Callable[[str], int]

    def manage(self, *args: str) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )


@dataclass
class Server:
    """gunicorn on 127.0.0.1 serving a Site; requests say which client they come from."""

    site: Site
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        return self.site.directory / f"gunicorn-{self.port}.log"

    def start(self, *, workers: int, threads: int) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "cmbench.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", str(workers),
                "--threads", str(threads), "--worker-class", "gthread", "--timeout", "60",
            ],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )  # fmt: skip
        wait_for(
            lambda: self.request("GET", "/healthz", client="192.0.2.1")[0] == 200,
            seconds=60,
            what="gunicorn",
            log=self.log,
        )

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def request(
        self,
        method: str,
        path: str,
        *,
        client: str,
        json_body: Any = None,
        form: dict[str, Any] | None = None,
    ) -> tuple[int, bytes]:
        """(status, body); status 0 if the server does not answer. `client` is its address.

        The server trusts one proxy (NUM_PROXIES=1): the last X-Forwarded-For hop
        is the client, so each test picks an address, and a bucket, of its own.
        """
        headers = {"X-Forwarded-For": client}
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            # CSRF: the cookie's secret, sent back in the form (a form the server did not render).
            secret = "s" * 32
            body = urlencode({**form, "csrfmiddlewaretoken": secret}, doseq=True).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Cookie"] = f"csrftoken={secret}"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        except OSError:
            return 0, b""
        finally:
            connection.close()

    def fire(self, requests: list[Callable[[], tuple[int, bytes]]]) -> list[tuple[int, bytes]]:
        """Every request from its own thread, released together."""
        barrier = threading.Barrier(len(requests))

        def one(send: Callable[[], tuple[int, bytes]]) -> tuple[int, bytes]:
            barrier.wait()
            return send()

        with ThreadPoolExecutor(max_workers=len(requests)) as pool:
            return list(pool.map(one, requests))

    def fingerprint(self, address: str) -> str:
        """cmbench.clients.Client.from_address, with the server's key."""
        day = time.strftime("%Y-%m-%d", time.gmtime())  # timezone.now() is UTC
        key = self.env["SECRET_KEY"].encode()
        return hmac.new(key, f"{day}|{address}".encode(), hashlib.sha256).hexdigest()[:32]


def _postgres_database() -> tuple[str, Callable[[], None]]:
    """A fresh database on the suite's PostgreSQL server, and how to drop it."""
    default = settings.DATABASES["default"]
    name = f"cmbench_limits_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(
        host=default["HOST"],
        port=default["PORT"] or 5432,
        user=default["USER"],
        password=default["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    auth = default["USER"] + (f":{default['PASSWORD']}" if default["PASSWORD"] else "")
    url = f"postgres://{auth}@{default['HOST']}:{default['PORT'] or 5432}/{name}"

    def drop() -> None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    return url, drop


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """The suite's kind of database (SQLite file, or a PostgreSQL database of its own)."""
    directory = Path(tempfile.mkdtemp(prefix="cmbench-limits-"))
    drop: Callable[[], None] = lambda: None  # noqa: E731
    postgres = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    try:
        if postgres:
            database_url, drop = _postgres_database()
        else:
            database_url = f"sqlite:///{directory / 'db.sqlite3'}"
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if not k.startswith(
                    ("REDIS_", "DJANGO_", "THROTTLE_", "SURVEY_", "INTERVIEW_", "TASKS_")
                )
            },
            "DJANGO_SETTINGS_MODULE": "cmbench.settings",
            "DATABASE_URL": database_url,
            "CMBENCH_VAR_DIR": str(directory),
            "STATIC_ROOT": str(directory / "static"),
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "NUM_PROXIES": "1",
            "BEHIND_TLS_PROXY": "false",
            "SURVEY_MIN_FILL_SECONDS": "0",
            "SURVEY_SUBMISSIONS_PER_HOUR": "10",
            "INTERVIEW_SUBMISSIONS_PER_HOUR": "5",
            "THROTTLE_WITHDRAW": "10/hour",
            "ADMIN_LOGIN_MAX_FAILURES": "5",
            # Every refusal is a 429 that django.request logs as a warning.
            "LOG_LEVEL": "ERROR",
        }

        def count_rows(table: str) -> int:
            query = f"SELECT count(*) FROM {table}"  # a table name of ours, never input
            if postgres:
                with psycopg.connect(database_url, autocommit=True) as connection:
                    row = connection.execute(query).fetchone()
            else:
                with sqlite3.connect(directory / "db.sqlite3") as connection:
                    row = connection.execute(query).fetchone()
            assert row is not None
            return int(row[0])

        site = Site(directory=directory, env=env, count_rows=count_rows)
        site.manage("migrate", "--no-input")
        site.manage("collectstatic", "--no-input")
        site.manage(
            "shell",
            "-c",
            "from surveys.models import Edition; Edition.objects.create(year=2026, state='open')",
        )
        yield site
    finally:
        drop()
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(scope="module", params=["memory", "redis"])
def server(request: pytest.FixtureRequest, site: Site) -> Iterator[Server]:
    """One process with 32 threads on local memory; or three processes sharing Redis."""
    if request.param == "memory":
        server = Server(site=site, env=site.env)
        server.start(workers=1, threads=32)
    else:
        url = os.environ.get("REDIS_TEST_URL", "")
        if not url:
            requires("CMBENCH_REQUIRE_REDIS", "needs Redis: set REDIS_TEST_URL")
        server = Server(site=site, env={**site.env, "REDIS_URL": url})
        server.start(workers=3, threads=16)
    yield server
    server.stop()
    if request.param == "redis":
        _forget_in_redis(server)


# The clients of the tests below, one each (a bucket each), as "<test>-<variant>" addresses.
ADDRESSES: dict[str, str] = {}


def address(server: Server, name: str) -> str:
    variant = "redis" if "REDIS_URL" in server.env else "memory"
    key = f"{name}-{variant}"
    ADDRESSES.setdefault(key, f"198.51.{100 + len(ADDRESSES) // 250}.{len(ADDRESSES) % 250 + 1}")
    return ADDRESSES[key]


# The start tokens the tests below sent: the server remembers them as used.
TOKENS: list[str] = []


def _forget_in_redis(server: Server) -> None:
    """Delete this run's keys: its clients' counters and its used tokens (Redis is shared)."""
    reader = redis.Redis.from_url(server.env["REDIS_URL"])
    for client in ADDRESSES.values():
        for key in reader.scan_iter(match=f"cmbench:*{server.fingerprint(client)}*"):
            reader.delete(key)
    for token in TOKENS:
        reader.delete(f"cmbench:1:{started_token_key(token)}")
    reader.close()


def statuses(answers: list[tuple[int, bytes]]) -> Counter[int]:
    return Counter(status for status, _body in answers)


def test_forty_parallel_answers_from_one_client_store_exactly_ten(server: Server) -> None:
    client = address(server, "answers-40")
    before = server.site.count_rows("surveys_surveyresponse")

    answers = server.fire(
        [
            lambda salary=salary: server.request(
                "POST",
                "/api/v1/responses/",
                client=client,
                json_body=valid_answers(base_salary=salary),
            )
            for salary in range(30_000, 30_040)
        ]
    )

    assert statuses(answers) == {201: 10, 429: 30}
    assert server.site.count_rows("surveys_surveyresponse") == before + 10


def test_sixty_parallel_answers_from_one_client_store_exactly_ten(server: Server) -> None:
    client = address(server, "answers-60")
    before = server.site.count_rows("surveys_surveyresponse")

    answers = server.fire(
        [
            lambda salary=salary: server.request(
                "POST",
                "/api/v1/responses/?lang=en",
                client=client,
                json_body=valid_answers(base_salary=salary),
            )
            for salary in range(40_000, 40_060)
        ]
    )

    assert statuses(answers) == {201: 10, 429: 50}
    assert server.site.count_rows("surveys_surveyresponse") == before + 10
    # One limit refuses them all: the answers per hour (no second API counter).
    refusals = Counter(json.loads(body).get("code") for status, body in answers if status == 429)
    assert refusals == {"throttled": 50}


def test_forty_parallel_withdrawals_are_attempted_exactly_ten_times(server: Server) -> None:
    client = address(server, "withdrawals")
    receipt = {"receipt": "7KQ2-M9XD-4HTA-PW3C-Y7CU"}

    answers = server.fire(
        [
            lambda: server.request(
                "POST", "/api/v1/responses/withdraw/", client=client, json_body=receipt
            )
            for _ in range(40)
        ]
    )

    # Ten attempts reach the view (no such answer: 404); the throttle refuses the rest.
    assert statuses(answers) == {404: 10, 429: 30}


INTERVIEW = {
    "role": "community-manager",
    "country": "FR",
    "consent_to_publish": True,
    **{
        question: "An answer long enough to mean something."
        for question in (
            "path_to_job",
            "current_position",
            "community_management",
            "typical_week",
            "missions_and_tools",
            "measuring_work",
            "advice",
        )
    },
}


def test_forty_parallel_interviews_from_one_client_store_exactly_five(server: Server) -> None:
    client = address(server, "interviews")
    before = server.site.count_rows("surveys_interview")

    answers = server.fire(
        [
            lambda: server.request(
                "POST", "/api/v1/interviews/", client=client, json_body=INTERVIEW
            )
            for _ in range(40)
        ]
    )

    assert statuses(answers) == {201: 5, 429: 35}
    assert server.site.count_rows("surveys_interview") == before + 5


def test_parallel_answers_and_interviews_from_one_client_each_meet_their_own_limit(
    server: Server,
) -> None:
    client = address(server, "answers-and-interviews")
    before = (
        server.site.count_rows("surveys_surveyresponse"),
        server.site.count_rows("surveys_interview"),
    )
    requests = [
        lambda salary=salary: server.request(
            "POST", "/api/v1/responses/", client=client, json_body=valid_answers(base_salary=salary)
        )
        for salary in range(50_000, 50_030)
    ] + [
        lambda: server.request("POST", "/api/v1/interviews/", client=client, json_body=INTERVIEW)
        for _ in range(30)
    ]

    answers = server.fire(requests)

    # Interviews spend nothing of the answers' limit, nor answers of the interviews'.
    assert statuses(answers[:30]) == {201: 10, 429: 20}
    assert statuses(answers[30:]) == {201: 5, 429: 25}
    after = (
        server.site.count_rows("surveys_surveyresponse"),
        server.site.count_rows("surveys_interview"),
    )
    assert after == (before[0] + 10, before[1] + 5)


def test_twenty_parallel_admin_sign_in_failures_are_tried_exactly_five_times(
    server: Server,
) -> None:
    client = address(server, "admin")
    credentials = {"username": "nobody", "password": "wrong", "next": "/admin/"}

    answers = server.fire(
        [
            lambda: server.request("POST", "/admin/login/", client=client, form=credentials)
            for _ in range(20)
        ]
    )

    # Five wrong passwords are checked (the form again, 200); then 429 before any check.
    assert statuses(answers) == {200: 5, 429: 15}


def test_one_start_token_sent_ten_times_together_brings_one_answer(server: Server) -> None:
    client = address(server, "form-token")
    before = server.site.count_rows("surveys_surveyresponse")
    token = signing.dumps(
        {"at": int(time.time()) - 60, "form": "one-form"},
        key=server.env["SECRET_KEY"],
        salt=STARTED_SALT,
    )
    TOKENS.append(token)

    def form(salary: int) -> dict[str, Any]:
        data: dict[str, Any] = {"website": "", "started": token}
        for name, value in valid_answers(base_salary=salary).items():
            data[name] = [str(item) for item in value] if isinstance(value, list) else str(value)
        return data

    answers = server.fire(
        [
            lambda salary=salary: server.request(
                "POST", "/en/survey/", client=client, form=form(salary)
            )
            for salary in range(50_000, 50_010)
        ]
    )

    assert statuses(answers) == {302: 1, 200: 9}
    refused = [body.decode() for status, body in answers if status == 200]
    assert all("This form was already sent once." in page for page in refused)
    assert server.site.count_rows("surveys_surveyresponse") == before + 1
