"""A guide's Markdown to safe HTML: live figures first, then Markdown, then nh3.

Figures become escaped text before Markdown runs, Markdown turns the rest into
HTML, and nh3 keeps only a short list of tags and attributes, so neither an
editor's raw HTML nor a figure can put a script, a style or an event handler
on a page. The result depends only on the guide's saved version, the language
and the published snapshot (which never changes), so it is cached under those.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

import markdown
import nh3
from django.core.cache import cache
from django.utils.text import slugify
from django.utils.translation import override

from benchmarks.models import Snapshot
from guides.figures import FigureContext, substitute
from guides.models import Guide

ALLOWED_TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "ul", "ol", "li", "strong", "em", "code", "pre",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}}
ALLOWED_CLASSES = {"span": {"figure", "figure-missing"}}
URL_SCHEMES = {"http", "https", "mailto"}
# Rendered bodies are kept a day at most; a new snapshot or a new save changes the key anyway.
CACHE_SECONDS = 24 * 3600


def _heading_id(value: str, separator: str) -> str:
    # Prefixed so that a heading cannot take an id of the page around it ("main").
    return "s-" + (slugify(value) or "section")


def sanitize(fragment: str) -> str:
    """Only the allowed tags, attributes, classes and URL schemes survive; scripts go whole."""
    return nh3.clean(
        fragment,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


@dataclass(frozen=True)
class RenderedBody:
    """A body as HTML (safe) and its table of contents: (level, id, title) of each heading."""

    html: str
    toc: tuple[tuple[int, str, str], ...]


def markdown_to_html(text: str) -> RenderedBody:
    """Markdown (tables, lists, headings with ids) to sanitized HTML and its contents."""
    converter = markdown.Markdown(
        extensions=["tables", "sane_lists", "toc"],
        extension_configs={"toc": {"slugify": _heading_id, "toc_depth": "2-3"}},
        output_format="html",
    )
    body = sanitize(converter.convert(text))
    toc: list[tuple[int, str, str]] = []

    def walk(tokens: list[dict[str, Any]]) -> None:
        for token in tokens:
            toc.append((int(token["level"]), str(token["id"]), html.unescape(str(token["name"]))))
            walk(token.get("children", []))

    walk(converter.toc_tokens)  # type: ignore[attr-defined]
    return RenderedBody(html=body, toc=tuple(toc))


def render_markdown(text: str, context: FigureContext) -> RenderedBody:
    """Figures, then Markdown, then sanitizing."""
    return markdown_to_html(substitute(text, context))


def render_guide_body(guide: Guide, *, language: str, context: FigureContext) -> RenderedBody:
    """The guide's body in `language` (its own, not a fallback: see Guide.language_for).

    Cached per guide version, language and snapshot: rendering costs one query
    per cohort the guide names, paid once per snapshot and save.
    """
    snapshot: Snapshot | None = context.snapshot
    key = (
        f"guides:body:{guide.pk}:{guide.updated_at.timestamp()}:{language}:"
        f"{snapshot.pk if snapshot else 0}"
    )
    cached = cache.get(key)
    if cached is not None:
        return RenderedBody(html=cached[0], toc=tuple(tuple(item) for item in cached[1]))
    # Numbers and labels follow the body's language, not the page's.
    with override(language):
        rendered = render_markdown(guide.body_in(language), context)
    cache.set(key, (rendered.html, [list(item) for item in rendered.toc]), CACHE_SECONDS)
    return rendered
