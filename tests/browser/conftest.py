"""A real Chromium (Debian's) driven by Playwright against pytest-django's live server.

Without a `chromium` on the PATH these tests skip, unless CMBENCH_REQUIRE_BROWSER=1
(CI), where they fail. Every page a test opens is watched: a console error, an
uncaught exception or a Content-Security-Policy violation fails the test.

`check_page` is what every page must pass at every size: no serious or critical
accessibility violation (axe-core, shipped by axe-playwright-python), nothing
wider than the screen, and a screenshot in test-artifacts/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from benchmarks.build.snapshots import snapshot_publish
from benchmarks.models import Snapshot
from surveys.models import Edition
from tests.answers import store_answers
from tests.conftest import requires

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-artifacts" / "screenshots"
# The two screens every page is tried on: a common laptop and a common phone.
DESKTOP, PHONE = (1366, 900), (390, 844)
SIZES = {"desktop": DESKTOP, "phone": PHONE}
# axe-core's impacts that fail a page (minor and moderate ones are left to review).
BLOCKING_IMPACTS = ("serious", "critical")
# Reported by the page itself: Chromium logs a CSP refusal to the console too,
# but the event names the directive.
WATCH_CSP = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error("CSP violation: " + event.violatedDirective + " " + event.blockedURI);
});
"""


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """One headless Chromium for the session."""
    executable = shutil.which("chromium")
    if executable is None:
        requires("CMBENCH_REQUIRE_BROWSER", "needs Debian's chromium: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; the test's
    # own database calls (setup, assertions) are synchronous and safe.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@dataclass
class Watched:
    """A browser page and the problems it reported."""

    page: object
    problems: list[str] = field(default_factory=list)

    def assert_clean(self) -> None:
        assert self.problems == []


@pytest.fixture
def open_page(chromium, live_server) -> Iterator:  # type: ignore[no-untyped-def]
    """`open_page(width=1366, javascript=True)`: a fresh, watched browser page."""
    contexts = []

    def open_page(
        *, width: int = DESKTOP[0], height: int | None = None, javascript: bool = True
    ) -> Watched:
        height = height or (PHONE[1] if width < 600 else DESKTOP[1])
        context = chromium.new_context(
            viewport={"width": width, "height": height},
            java_script_enabled=javascript,
            accept_downloads=True,
            base_url=live_server.url,
        )
        contexts.append(context)
        context.add_init_script(WATCH_CSP)
        page = context.new_page()
        watched = Watched(page=page)
        page.on(
            "console",
            lambda message: (
                watched.problems.append(f"console {message.type}: {message.text}")
                if message.type == "error"
                else None
            ),
        )
        page.on("pageerror", lambda error: watched.problems.append(f"page error: {error}"))
        return watched

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """Save the whole page under test-artifacts/screenshots/ (kept by CI as an artefact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def accessibility_problems(page) -> list[str]:  # type: ignore[no-untyped-def]
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]


def overflow(page) -> int:  # type: ignore[no-untyped-def]
    """How many CSS pixels the page is wider than the screen (0 when it fits)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )


def check_page(page, name: str, *, ours: bool = True) -> None:  # type: ignore[no-untyped-def]
    """Accessible, no wider than the screen, and saved as `<name>-<width>.png`.

    `ours=False` for a page we do not write (Swagger UI's): it must fit the
    screen, but its own markup is not held to our accessibility bar.
    """
    width = page.viewport_size["width"]
    if ours:
        assert accessibility_problems(page) == [], f"{name} at {width}px"
    assert overflow(page) == 0, f"{name} is wider than a {width}px screen"
    screenshot(page, f"{name}-{width}")


def screenshots_at_both_sizes(page, name: str, *, ours: bool = True) -> None:  # type: ignore[no-untyped-def]
    """The page as it is now on a desktop and on a phone, each checked and saved."""
    for width, height in (DESKTOP, PHONE):
        page.set_viewport_size({"width": width, "height": height})
        check_page(page, name, ours=ours)


def tab_to(page, selector: str, *, presses: int = 80) -> None:  # type: ignore[no-untyped-def]
    """Press Tab until the focused element matches `selector` (the keyboard alone)."""
    for _ in range(presses):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


@pytest.fixture
def published_site(transactional_db: None) -> Snapshot:
    """Two editions of answers (2026 open), and a published snapshot of them."""
    store_answers(300, seed=31, year=2025, freelance_share=0.3)
    store_answers(600, seed=32, year=2026, state=Edition.State.OPEN, freelance_share=0.3)
    return snapshot_publish()


@pytest.fixture(autouse=True)
def _restore_the_migrated_database(django_db_serialized_rollback: None) -> None:
    """Browser tests commit (a live server reads their rows), then leave the database as
    migrations left it, data included, without re-running post_migrate.

    A plain flush would re-create content types in another order, and the next
    test that reloads the serialized database (tests/test_router.py) would then
    collide with them on PostgreSQL.
    """
