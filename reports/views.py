"""The yearly report's pages: one edition's report, its PDF, and the latest edition's address.

`/barometre/<year>/` (French) and `/en/report/<year>/` (English). A year with
no published figure in the current snapshot is a 404, whether it never was
or is not yet; every published edition keeps its address. The report's body
depends only on the snapshot, the edition, the language and the editors'
published texts, so it is rendered once and kept in the cache under those;
the page around it (the language switch's CSRF token) is each visitor's.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from benchmarks.present import pages
from benchmarks.read import lookup
from benchmarks.read.lookup import PublishedSnapshot
from guides.rendering import markdown_to_html
from reports import pdf
from reports.contents import report_contents
from reports.models import ReportText, Section

# How long a rendered body is kept; a new snapshot or text changes the key at once.
BODY_CACHE_SECONDS = 3600


def _language() -> str:
    return (get_language() or "fr")[:2]


def _published_edition(year: int | None = None) -> tuple[PublishedSnapshot, int]:
    """The current snapshot and the edition asked for (the latest if None), or a 404."""
    published = lookup.published_snapshot()
    if published is None or not published.years:
        raise Http404("no published edition")
    if year is None:
        return published, published.years[-1]
    if year not in published.years:
        raise Http404("no published figures for this edition")
    return published, year


def _texts(year: int) -> list[ReportText]:
    """The edition's published texts, in reading order (one query)."""
    order = {code: index for index, code in enumerate(Section.values)}
    texts = list(ReportText.objects.published().of_year(year))
    return sorted(texts, key=lambda text: order.get(text.section, len(order)))


def _texts_version(texts: list[ReportText]) -> tuple[tuple[int, str], ...]:
    return tuple((text.pk, text.updated_at.isoformat()) for text in texts)


def _commentary(texts: list[ReportText], language: str) -> dict[str, str]:
    """{section: sanitized HTML} of the texts written in `language` (guides' Markdown and nh3)."""
    rendered = {}
    for text in texts:
        body = text.body_in(language).strip()
        if body:
            # Safe: markdown_to_html keeps only the allowed tags (guides.rendering.sanitize).
            rendered[text.section] = mark_safe(markdown_to_html(body).html)
    return rendered


def _context(
    published: PublishedSnapshot, year: int, texts: list[ReportText], *, for_print: bool
) -> dict[str, Any]:
    contents = report_contents(published, year=year)
    commentary = _commentary(texts, _language())
    for part in contents["pay"]:
        part["commentary"] = commentary.get(part["by"])
    return {
        **contents,
        "published": published,
        "commentary": commentary,
        "for_print": for_print,
        "editions": list(published.years),
    }


def _body_key(published: PublishedSnapshot, year: int, texts: list[ReportText]) -> str:
    snapshot = published.snapshot
    stamp = snapshot.published_at.isoformat() if snapshot.published_at else ""
    identity = repr(
        (published.id, stamp, snapshot.is_demo, year, _language(), _texts_version(texts))
    )
    return f"cmbench:report:{hashlib.sha256(identity.encode()).hexdigest()}"


@require_safe
def report(request: HttpRequest, year: int) -> HttpResponse:
    """/barometre/<year>/: the edition's report, figures live from the published snapshot."""
    published, year = _published_edition(year)
    texts = _texts(year)
    key = _body_key(published, year, texts)

    def render_page(extra: dict[str, Any]) -> str:
        body = cache.get(key)
        if body is None:
            # With the request: the embed codes carry the site's absolute address.
            body = render_to_string(
                "reports/report.html#report",
                _context(published, year, texts, for_print=False),
                request=request,
            )
            cache.set(key, body, BODY_CACHE_SECONDS)
        context = {
            # Our own template's output, from the cache: already escaped.
            "report_html": mark_safe(body),
            "year": year,
            "published": published,
            "share_image": request.build_absolute_uri(
                reverse("share-report", kwargs={"year": year})
            ),
            "page_url": request.build_absolute_uri(request.path),
        }
        return render_to_string("reports/report.html", {**context, **extra}, request)

    # The whole page, the same for every anonymous reader, is kept too: its body
    # is read (or rendered) only when the page itself is not in the cache.
    return pages.shared_page(request, f"{key}:page", render_page)


@require_safe
def report_latest(request: HttpRequest) -> HttpResponse:
    """/barometre/: to the latest edition's report ("nothing published yet" before one)."""
    published = lookup.published_snapshot()
    if published is None or not published.years:
        return pages.unpublished(request)
    return redirect("report", year=published.years[-1])


@require_safe
def report_pdf(request: HttpRequest, year: int) -> FileResponse:
    """/barometre/<year>/pdf/: the report as a PDF, rendered once per snapshot and language."""
    published, year = _published_edition(year)
    language = _language()
    texts = _texts(year)
    path = pdf.pdf_path(published, year=year, language=language, texts=_texts_version(texts))

    def build() -> bytes:
        html = render_to_string(
            "reports/report_pdf.html", _context(published, year, texts, for_print=True)
        )
        return pdf.render_pdf(html, base_url=request.build_absolute_uri("/"))

    found = pdf.cached_pdf(path, build)
    return FileResponse(
        found.open("rb"),
        content_type="application/pdf",
        as_attachment=False,
        filename=f"cmbench-{'barometre' if language == 'fr' else 'report'}-{year}-{language}.pdf",
    )
