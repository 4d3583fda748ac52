"""An embed framed by another site: a page from another loopback origin frames it, and it renders.

The partner's page is served by a plain `http.server` on 127.0.0.1 and a
port of its own, while the live server answers on `localhost` and another
port: another origin, as a media partner's site would be. Any other page of
ours in that frame is refused by the browser (`frame-ancestors 'none'`,
X-Frame-Options DENY).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import translation

from benchmarks.models import Metric, Snapshot
from benchmarks.present.formatting import money_text
from benchmarks.read import lookup
from tests.browser.conftest import check_page, screenshot

pytestmark = pytest.mark.browser


class PartnerPages:
    """The partner's site: one page per path, each an article with an iframe."""

    def __init__(self) -> None:
        self.pages: dict[str, str] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, path: str, frame_src: str) -> str:
        self.pages[path] = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Partner</title>'
            '<link rel="icon" href="data:,">'
            "</head><body><main><h1>A partner's article</h1>"
            f'<iframe src="{frame_src}" title="cmbench" width="720" height="360"></iframe>'
            "</main></body></html>"
        )
        return self.url + path


@pytest.fixture
def partner() -> Iterator[PartnerPages]:
    pages = PartnerPages()
    thread = threading.Thread(target=pages.server.serve_forever, daemon=True)
    thread.start()
    yield pages
    pages.server.shutdown()
    pages.server.server_close()


def test_a_partner_site_frames_the_cohort_embed_and_it_renders(
    open_page, live_server, partner: PartnerPages, published_site: Snapshot
) -> None:
    cell = lookup.cell_lookup(
        snapshot=published_site,
        metric=Metric.SALARY,
        country="FR",
        year=2026,
        filters={"experience": "3-5"},
    )
    assert cell is not None
    with translation.override("fr"):
        median = money_text(cell.p50, "EUR")
    article = partner.add("/article.html", f"{live_server.url}/embed/benchmarks/?experience=3-5")
    assert not article.startswith(live_server.url)  # another origin

    watched = open_page()
    page = watched.page
    page.goto(article)

    frame = page.frame_locator("iframe")
    value = frame.locator(".embed-figure--main .embed-value")
    value.wait_for()
    assert value.inner_text().strip() == median
    link = frame.locator(".embed-footer a")
    assert link.get_attribute("target") == "_blank"
    assert "/benchmarks/?" in (link.get_attribute("href") or "")
    screenshot(page, "embed-in-a-partner-page")
    watched.assert_clean()


def test_a_partner_site_cannot_frame_any_other_page(
    open_page, live_server, partner: PartnerPages, published_site: Snapshot
) -> None:
    article = partner.add("/other.html", f"{live_server.url}/benchmarks/?experience=3-5")

    watched = open_page()
    page = watched.page
    page.goto(article)
    page.wait_for_timeout(500)

    framed = [frame for frame in page.frames if frame != page.main_frame]
    assert len(framed) == 1
    # Refused: the frame holds the browser's error page, never the explorer.
    assert not framed[0].url.startswith(live_server.url)
    assert page.frame_locator("iframe").locator("#explorer").count() == 0
    assert any(
        "frame-ancestors" in problem or "X-Frame-Options" in problem for problem in watched.problems
    )


def test_the_embeds_are_accessible_and_fit_a_phone(open_page, published_site: Snapshot) -> None:
    watched = open_page()
    page = watched.page
    for path, name in (
        ("/embed/benchmarks/?experience=3-5", "embed-cohort"),
        ("/en/embed/benchmarks/chart/?by=education", "embed-chart"),
        ("/en/embed/benchmarks/chart/?metric=day-rate&by=shares", "embed-shares"),
    ):
        page.goto(path)
        for width, height in ((720, 400), (360, 640)):
            page.set_viewport_size({"width": width, "height": height})
            check_page(page, name)
    watched.assert_clean()


def test_the_explorer_offers_its_embed_code_to_copy(
    open_page, live_server, published_site: Snapshot
) -> None:
    watched = open_page()
    page = watched.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto("/en/benchmarks/?experience=3-5&by=role")

    snippet = page.locator("details.embed-snippet")
    snippet.locator("summary").click()
    field = page.get_by_label("Embed code: Key figures of this group")
    code = field.input_value()
    assert code.startswith(f'<iframe src="{live_server.url}/en/embed/benchmarks/?')
    button = page.get_by_role("button", name="Copy the embed code (Key figures of this group)")
    button.click()
    status = snippet.locator(".embed-copy-status").first
    status.wait_for(state="visible")
    assert status.inner_text() == "Copied."
    assert page.evaluate("navigator.clipboard.readText()") == code
    check_page(page, "explorer-embed-snippet")
    watched.assert_clean()


def test_without_javascript_the_embed_code_is_there_to_select(
    open_page, published_site: Snapshot
) -> None:
    watched = open_page(javascript=False)
    page = watched.page
    page.goto("/benchmarks/?metric=day-rate")
    page.locator("details.embed-snippet summary").click()
    field = page.locator("#embed-code-1")
    assert field.is_visible()
    assert "/embed/benchmarks/?metric=day-rate" in field.input_value()
    assert page.locator("[data-embed-copy]").first.is_hidden()
    watched.assert_clean()
