"""Faults: the database going away, a snapshot build killed, a submission failing half-way.

The first two need a PostgreSQL server of their own to stop and start: the
`private_postgres` fixture creates one (initdb into a temporary directory,
a free port on 127.0.0.1, owned by the `postgres` user when run as root),
runs gunicorn against it, and removes both afterwards. The shared server the
other tests use is never touched.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client

from surveys.models import SurveyResponse
from tests.conftest import requires
from tests.factories import EditionFactory, valid_answers

REPO = Path(__file__).resolve().parent.parent
RECEIPT = "AAAA-BBBB-CCCC-DDDD-EEEE"
# What each kind of request answers while the database is up.
PROBES = {
    "page": ("GET", "/survey/", 200),
    "api-read": ("GET", "/api/v1/benchmarks/salaries/?country=FR", 200),
    "api-write": ("POST", "/api/v1/responses/withdraw/", 404),
    "health": ("GET", "/healthz", 200),
}
# The JSON body a probe sends, if any: a withdrawal takes its code in the body.
PROBE_BODIES = {"api-write": json.dumps({"receipt": RECEIPT}).encode()}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    condition: Callable[[], bool], *, seconds: float, what: str, log: Path | None = None
) -> None:
    """Poll `condition` every 0.1 s; fail with `what` (and the log's end) after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    tail = log.read_text(errors="replace")[-4000:] if log is not None and log.exists() else ""
    pytest.fail(f"timed out after {seconds:.0f} s waiting for {what}\n{tail}")


class PrivatePostgres:
    """A PostgreSQL server in a temporary directory, for this test module only."""

    def __init__(self) -> None:
        binaries = sorted(glob("/usr/lib/postgresql/*/bin/initdb"))
        if not binaries:
            requires(
                "CMBENCH_REQUIRE_POSTGRES", "needs PostgreSQL's initdb to start a private server"
            )
        self.bin = Path(binaries[-1]).parent
        self.as_owner: list[str] = []
        self.directory = Path(tempfile.mkdtemp(prefix="cmbench-pg-"))
        if os.geteuid() == 0:
            # initdb refuses to run as root: the server belongs to the postgres user.
            self.as_owner = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.directory, user="postgres", group="postgres")
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/cmbench_faults"

    def run(self, *command: str) -> None:
        subprocess.run(
            [*self.as_owner, *command], check=True, capture_output=True, text=True, timeout=120
        )

    def init(self) -> None:
        self.run(
            str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres",
            "--auth=trust", "--no-sync",
        )  # fmt: skip

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self.run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.directory / "server.log"), "-w", "start",
        )  # fmt: skip

    def stop(self) -> None:
        self.run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.url, autocommit=True) as connection:
            return connection.execute(sql).fetchall()


@dataclass
class Site:
    """gunicorn serving cmbench from the private server."""

    postgres: PrivatePostgres
    env: dict[str, str]
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def log(self) -> Path:
        """gunicorn's and cmbench's log lines (stderr), shown when a test fails."""
        return self.postgres.directory / "gunicorn.log"

    def manage(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=REPO,
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def serve(self) -> None:
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "gunicorn", "cmbench.wsgi:application",
                "--bind", f"127.0.0.1:{self.port}", "--workers", "2", "--timeout", "60",
            ],
            cwd=REPO,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=self.log.open("ab"),
        )  # fmt: skip
        wait_for(
            lambda: self.request("GET", "/healthz")[0] == 200,
            seconds=60,
            what="gunicorn",
            log=self.log,
        )

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, str, bytes]:
        """(status, content type, body); status 0 when the server does not answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            return response.status, response.getheader("Content-Type", ""), response.read()
        except OSError:
            return 0, "", b""
        finally:
            connection.close()

    def shutdown(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    """A private PostgreSQL server, migrated, 2,000 demo answers of 2026, a snapshot, gunicorn."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        requires("CMBENCH_REQUIRE_POSTGRES", "needs PostgreSQL: set DATABASE_URL")
    postgres = PrivatePostgres()
    static_root = tempfile.mkdtemp(prefix="cmbench-static-")
    try:
        postgres.init()
        postgres.start()
        postgres.run(
            str(postgres.bin / "createdb"), "-h", "127.0.0.1", "-p", str(postgres.port),
            "-U", "postgres", "cmbench_faults",
        )  # fmt: skip
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("REDIS_", "DJANGO_"))},
            "DATABASE_URL": postgres.url,
            "DJANGO_SETTINGS_MODULE": "cmbench.settings",
            "SECRET_KEY": "faults-" + "k" * 50,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": static_root,
            "THROTTLE_READ": "100000/min",
            "THROTTLE_WITHDRAW": "100000/min",
            "LOG_LEVEL": "WARNING",
        }
        site = Site(postgres=postgres, env=env)
        site.manage("migrate", "--no-input")
        site.manage("collectstatic", "--no-input")
        site.manage(
            "generate_demo_data", "--responses", "2000", "--seed", "5", "--editions", "2026"
        )
        site.manage("publish_snapshot")
        site.serve()
        yield site
        site.shutdown()
    finally:
        postgres.remove()
        shutil.rmtree(static_root, ignore_errors=True)


@dataclass
class Traffic:
    """A thread sending every probe in turn until stopped, keeping each answer."""

    site: Site
    answers: list[tuple[str, int, str, bytes]] = field(default_factory=list)
    stopping: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stopping.is_set():
            for kind, (method, path, _expected) in PROBES.items():
                answer = self.site.request(method, path, PROBE_BODIES.get(kind))
                self.answers.append((kind, *answer))
            time.sleep(0.05)

    def seen_since(self, start: int, *, kind: str, status: int) -> bool:
        return any(a[0] == kind and a[1] == status for a in self.answers[start:])

    def all_since(self, start: int, *, status_of: Callable[[str], int]) -> bool:
        return all(self.seen_since(start, kind=kind, status=status_of(kind)) for kind in PROBES)


@pytest.mark.postgres
def test_the_site_answers_503_while_postgresql_is_down_and_recovers(site: Site) -> None:
    traffic = Traffic(site)
    thread = threading.Thread(target=traffic.run, daemon=True)
    thread.start()
    try:
        wait_for(
            lambda: traffic.all_since(0, status_of=lambda kind: PROBES[kind][2]),
            seconds=30,
            what="every probe to succeed",
            log=site.log,
        )
        site.postgres.stop()
        stopped_at = len(traffic.answers)
        wait_for(
            lambda: traffic.all_since(stopped_at, status_of=lambda kind: 503),
            seconds=30,
            what="every probe to answer 503",
            log=site.log,
        )
        site.postgres.start()
        restarted_at = len(traffic.answers)
        wait_for(
            lambda: traffic.all_since(restarted_at, status_of=lambda kind: PROBES[kind][2]),
            seconds=60,
            what="every probe to succeed again",
            log=site.log,
        )
    finally:
        traffic.stopping.set()
        thread.join(timeout=30)

    statuses = {(kind, status) for kind, status, _type, _body in traffic.answers}
    assert statuses == {(kind, expected) for kind, (_m, _p, expected) in PROBES.items()} | {
        (kind, 503) for kind in PROBES
    }
    unavailable = [a for a in traffic.answers if a[1] == 503]
    for kind, _status, content_type, body in unavailable:
        assert b"Traceback" not in body
        assert b"OperationalError" not in body
        assert b"connection" not in body.lower()
        if kind == "page":
            assert content_type == "text/html; charset=utf-8"
            assert b"<h1>" in body
        elif kind == "health":
            assert json.loads(body) == {
                "status": "unavailable",
                "database": "unavailable",
                "cache": "ok",
            }
        else:
            assert content_type == "application/json"
            assert json.loads(body)["code"] == "unavailable"


def snapshots(site: Site) -> dict[int, tuple[str, bool, str]]:
    rows = site.postgres.query("SELECT id, status, is_current, error FROM benchmarks_snapshot")
    return {row[0]: (row[1], row[2], row[3]) for row in rows}


@pytest.mark.postgres
def test_a_snapshot_build_killed_half_way_leaves_the_published_one_served(site: Site) -> None:
    (published,) = [pk for pk, (_s, current, _e) in snapshots(site).items() if current]
    site.manage("generate_demo_data", "--responses", "28000", "--seed", "6", "--editions", "2026")

    build = subprocess.Popen(
        [sys.executable, "manage.py", "publish_snapshot"],
        cwd=REPO,
        env=site.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert build.stderr is not None
    progress = []
    # Killed once the first country and edition are computed: the answers are
    # read, the snapshot row says "building", the rest is still to compute.
    for line in build.stderr:
        progress.append(line.strip())
        if line.strip().endswith("cells computed"):
            build.send_signal(signal.SIGKILL)
            break
    build.wait(timeout=30)

    assert build.returncode == -signal.SIGKILL
    assert progress[0].endswith("groups") and "accepted answers to read" in progress[0]
    assert int(progress[0].split()[0]) > 29_000  # 30,000 less the flagged ones
    after_kill = snapshots(site)
    (killed,) = [pk for pk, (status, _c, _e) in after_kill.items() if status == "building"]
    assert after_kill[published] == ("published", True, "")
    status, body = site.request("GET", "/api/v1/benchmarks/salaries/?country=FR")[::2]
    assert status == 200
    assert json.loads(body)["snapshot"]["id"] == published

    site.manage("publish_snapshot", "--editions", "2026")

    after_next = snapshots(site)
    assert after_next[killed] == ("failed", False, "interrupted before it was published")
    # The cells it had stored as it went are gone with it.
    assert site.postgres.query(
        f"SELECT count(*) FROM benchmarks_cell WHERE snapshot_id = {killed}"
    ) == [(0,)]
    assert after_next[published][:2] == ("published", False)
    (current,) = [pk for pk, (_s, is_current, _e) in after_next.items() if is_current]
    assert current not in (published, killed)


# --- A submission failing half-way ---------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("failure", "status"),
    [(RuntimeError("disk full"), 500), (OperationalError("server closed the connection"), 503)],
)
def test_a_submission_failing_after_its_insert_leaves_no_half_written_answer(
    monkeypatch, failure: Exception, status: int
) -> None:
    EditionFactory(year=2026)
    saved_before_failing = []
    original_save = SurveyResponse.save

    def save_then_fail(self: SurveyResponse, *args: Any, **kwargs: Any) -> None:
        original_save(self, *args, **kwargs)
        saved_before_failing.append(SurveyResponse.objects.filter(pk=self.pk).exists())
        raise failure

    monkeypatch.setattr(SurveyResponse, "save", save_then_fail)
    client = Client(raise_request_exception=False)

    failed = client.post("/api/v1/responses/", valid_answers(), content_type="application/json")

    assert saved_before_failing == [True]
    assert failed.status_code == status
    assert b"Traceback" not in failed.content
    assert SurveyResponse.objects.count() == 0

    monkeypatch.setattr(SurveyResponse, "save", original_save)
    retried = client.post("/api/v1/responses/", valid_answers(), content_type="application/json")

    # Neither a duplicate nor a throttled attempt: the failed one left no trace.
    assert retried.status_code == 201
    assert SurveyResponse.objects.count() == 1
