"""The guides API: the published guides, each with its Markdown source and rendered HTML.

Both languages are served by the same paths: `?lang=en` (or Accept-Language)
picks the version, falling back to the other language when a guide is not
written in the one asked for (`language` says which one came back).
"""

from __future__ import annotations

from typing import Any

from django.urls import path, reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from cmbench.api import LANG_PARAMETER, DetailSerializer, PublicAPIView
from guides.figures import FigureContext, cached_role_table
from guides.models import LANGUAGES, Guide
from guides.rendering import render_guide_body
from surveys import vocabulary as vocab


class GuideSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField()
    language = serializers.ChoiceField(
        choices=list(LANGUAGES), help_text="The language of title, summary and body."
    )
    title = serializers.CharField()
    summary = serializers.CharField()
    # Plain strings: a second enum of the same role codes would split the schema's RoleEnum.
    roles = serializers.ListField(
        child=serializers.CharField(),
        help_text="Role codes (/api/v1/vocabulary/) the guide defines; none for a topic guide.",
    )
    url = serializers.URLField(help_text="The guide's page.")
    api_url = serializers.URLField()
    updated_at = serializers.DateTimeField()


class SnapshotSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    published_at = serializers.DateTimeField()


class GuideSerializer(GuideSummarySerializer):
    body_markdown = serializers.CharField(
        help_text="The source, live figures written as [[salary.p50 role=...]]."
    )
    body_html = serializers.CharField(
        help_text="Sanitized HTML, figures computed from the current published snapshot."
    )
    role_figures = serializers.ListField(
        child=serializers.DictField(),
        help_text=(
            "Per role, in France: median salary and day rate by experience band, share of "
            "freelancers, missions and KPIs most reported; null where not published."
        ),
    )
    snapshot = SnapshotSerializer(allow_null=True)


def _summary(request: Request, guide: Guide, language: str) -> dict[str, Any]:
    return {
        "slug": guide.slug,
        "language": language,
        "title": guide.title_in(language),
        "summary": guide.summary_in(language),
        "roles": list(guide.roles),
        "url": request.build_absolute_uri(guide.get_absolute_url()),
        "api_url": request.build_absolute_uri(
            reverse("api-guide-detail", kwargs={"slug": guide.slug})
        ),
        "updated_at": guide.updated_at,
    }


def _role_figures(table: dict[str, Any]) -> dict[str, Any]:
    """A role table for JSON: shares as objects rather than pairs."""
    return {
        **table,
        "missions": [{"code": code, "percent": percent} for code, percent in table["missions"]],
        "kpis": [{"code": code, "percent": percent} for code, percent in table["kpis"]],
    }


class GuideListView(PublicAPIView):
    @extend_schema(
        operation_id="guides_list",
        summary="The published guides",
        parameters=[LANG_PARAMETER],
        responses={200: GuideSummarySerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        language = request.LANGUAGE_CODE
        return Response(
            [
                _summary(request, guide, guide.language_for(language))
                for guide in Guide.objects.published()
            ]
        )


class GuideDetailView(PublicAPIView):
    @extend_schema(
        operation_id="guide_detail",
        summary="One guide: Markdown source, rendered HTML and the role's live figures",
        parameters=[LANG_PARAMETER],
        responses={200: GuideSerializer, 404: OpenApiResponse(DetailSerializer)},
    )
    def get(self, request: Request, slug: str) -> Response:
        guide = Guide.objects.published().filter(slug=slug).first()
        if guide is None:
            raise NotFound()
        language = guide.language_for(request.LANGUAGE_CODE)
        context = FigureContext.current()
        body = render_guide_body(guide, language=language, context=context)
        snapshot = context.snapshot
        return Response(
            {
                **_summary(request, guide, language),
                "body_markdown": guide.body_in(language),
                "body_html": body.html,
                "role_figures": [
                    _role_figures(
                        cached_role_table(context, role=role, country=vocab.DEFAULT_COUNTRY)
                    )
                    for role in guide.roles
                    if role in vocab.ROLE
                ],
                "snapshot": (
                    {"id": snapshot.pk, "published_at": snapshot.published_at} if snapshot else None
                ),
            }
        )


urlpatterns = [
    path("", GuideListView.as_view(), name="api-guides"),
    path("<slug:slug>/", GuideDetailView.as_view(), name="api-guide-detail"),
]
