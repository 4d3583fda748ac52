"""The interview API: read the published interviews, submit one for moderation.

`GET /api/v1/interviews/` and `/<slug>/` serve approved interviews only;
`POST /api/v1/interviews/` stores a submission as pending, judged by the same
rules as the web form (`services.interview_validate`), with field-level
messages in the request's language, and counted against the same limit
per client (`services.interview_submit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from cmbench.api import (
    LANG_PARAMETER,
    NOT_AN_OBJECT,
    DetailSerializer,
    FieldErrorsSerializer,
    PublicAPIView,
)
from cmbench.clients import Client, client_address
from interviews import services
from interviews.models import Interview
from surveys import vocabulary as vocab
from surveys.services import SubmissionRefused
from surveys.validation import MESSAGES, InvalidAnswers, quoted

SAMPLE_NOTICE = gettext_noop(
    "Sample interview, written by the editors to show the format: not a real practitioner."
)
# Query parameter to the vocabulary it must be a code of.
FILTERS: dict[str, tuple[str, ...]] = {
    "role": vocab.ROLE.codes,
    "employer_type": vocab.EMPLOYER_TYPE.codes,
    "country": vocab.COUNTRY.codes,
    "language": services.LANGUAGES,
}


class InterviewSummarySerializer(serializers.Serializer):
    """A published interview in a list: who, where, and the start of their definition."""

    slug = serializers.SlugField()
    url = serializers.URLField(help_text="The interview's page, in the request's language.")
    api_url = serializers.URLField()
    is_sample = serializers.BooleanField(
        help_text="True for the samples written by the editors, not by a practitioner."
    )
    role = serializers.ChoiceField(choices=list(vocab.ROLE.codes))
    role_label = serializers.CharField()
    employer_type = serializers.CharField(help_text="Code, or empty (freelance, none).")
    country = serializers.ChoiceField(choices=list(vocab.COUNTRY.codes))
    language = serializers.ChoiceField(
        choices=list(services.LANGUAGES), help_text="The language the answers are written in."
    )
    display_name = serializers.CharField(allow_null=True, help_text="null: anonymous.")
    published_at = serializers.DateTimeField()
    excerpt = serializers.CharField(help_text="The start of what community management is for them.")


class InterviewPageSerializer(serializers.Serializer):
    """One page of the list."""

    count = serializers.IntegerField(help_text="Published interviews matching the filters.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = InterviewSummarySerializer(many=True)


class AnswerSerializer(serializers.Serializer):
    question = serializers.CharField(help_text="Field name of the question.")
    label = serializers.CharField(help_text="The question, in the request's language.")
    answer = serializers.CharField(help_text="Their answer, in the interview's language.")


class InterviewSerializer(InterviewSummarySerializer):
    """A published interview with every answer, in the order the questions are asked."""

    sample_notice = serializers.CharField(allow_null=True)
    answers = AnswerSerializer(many=True)


class InterviewSubmissionSerializer(serializers.Serializer):
    """A submission, for the schema only: `interviews.interview_validate` judges it."""

    role = serializers.ChoiceField(choices=list(vocab.ROLE.codes))
    employer_type = serializers.ChoiceField(
        choices=list(vocab.EMPLOYER_TYPE.codes), required=False, allow_blank=True
    )
    country = serializers.ChoiceField(choices=list(vocab.COUNTRY.codes))
    display_name = serializers.CharField(
        required=False, allow_blank=True, max_length=60, help_text="Empty: anonymous."
    )
    language = serializers.ChoiceField(
        choices=list(services.LANGUAGES),
        required=False,
        help_text="The language of the answers; by default the request's.",
    )
    consent_to_publish = serializers.BooleanField(help_text="Must be true.")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        for question in services.QUESTIONS:
            fields[question.field] = serializers.CharField(
                max_length=question.max_length, help_text=str(question.label)
            )
        return fields


class SubmittedSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=["pending"])
    detail = serializers.CharField()


def _summary(request: Request, interview: Interview) -> dict[str, Any]:
    return {
        "slug": interview.slug,
        "url": request.build_absolute_uri(interview.get_absolute_url()),
        "api_url": request.build_absolute_uri(
            reverse("api-interview-detail", kwargs={"slug": interview.slug})
        ),
        "is_sample": interview.is_sample,
        "role": interview.role,
        "role_label": vocab.ROLE.label(interview.role),
        "employer_type": interview.employer_type,
        "country": interview.country,
        "language": interview.language,
        "display_name": interview.display_name or None,
        "published_at": interview.reviewed_at,
        "excerpt": services.excerpt(interview.community_management),
    }


def _detail(request: Request, interview: Interview) -> dict[str, Any]:
    return {
        **_summary(request, interview),
        "sample_notice": gettext(SAMPLE_NOTICE) if interview.is_sample else None,
        "answers": [
            {
                "question": question.field,
                "label": str(question.label),
                "answer": getattr(interview, question.field),
            }
            for question in services.QUESTIONS
        ],
    }


class InterviewPagination(PageNumberPagination):
    page_size = 20


class InterviewListView(PublicAPIView):
    def get_throttles(self) -> list[Any]:
        # Reads and submissions on one path. A submission's one limit is the
        # service's, which the page's submissions count against too.
        if self.request.method == "POST":
            return []
        return super().get_throttles()

    @extend_schema(
        operation_id="interviews_list",
        summary="Published interviews with practitioners",
        description=(
            "Approved interviews only, newest first, 20 a page. Each is in the language it was "
            "written in (`language`); samples written by the editors say so (`is_sample`). "
            "An unknown filter value is a 400 listing the allowed values."
        ),
        parameters=[
            LANG_PARAMETER,
            *(
                OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.QUERY, enum=list(codes))
                for name, codes in FILTERS.items()
            ),
            OpenApiParameter("page", OpenApiTypes.INT, OpenApiParameter.QUERY),
        ],
        responses={
            200: InterviewPageSerializer,
            400: OpenApiResponse(FieldErrorsSerializer, description="Unknown filter value."),
        },
    )
    def get(self, request: Request) -> Response:
        filters, errors = {}, {}
        for name, allowed in FILTERS.items():
            value = request.query_params.get(name, "").strip()
            if not value:
                continue
            if value not in allowed:
                choice = {"value": quoted(value), "allowed": ", ".join(allowed)}
                errors[name] = [str(MESSAGES["choice"] % choice)]
            filters[name] = value
        page_number = request.query_params.get("page", "").strip()
        # A page past the last is DRF's 404; one that is no page number at all is a 400.
        if page_number and not (
            (page_number.isdecimal() and page_number.isascii())
            or page_number in InterviewPagination.last_page_strings
        ):
            errors["page"] = [str(MESSAGES["integer"])]
        if errors:
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        queryset: QuerySet[Interview] = (
            Interview.objects.published().filter(**filters).order_by("-reviewed_at", "-pk")
        )
        paginator = InterviewPagination()
        page = paginator.paginate_queryset(queryset, request, view=self) or []
        return paginator.get_paginated_response([_summary(request, item) for item in page])

    @extend_schema(
        operation_id="interview_submit",
        summary="Submit an interview for moderation",
        description=(
            "Stored as pending: it is published only once an editor approves it. Every question "
            "must be answered; the consent must be true. Errors are given per field, in the "
            "request's language, and nothing is stored."
        ),
        parameters=[LANG_PARAMETER],
        request=InterviewSubmissionSerializer,
        responses={
            201: SubmittedSerializer,
            400: OpenApiResponse(FieldErrorsSerializer, description="Invalid submission."),
            429: OpenApiResponse(DetailSerializer, description="Too many submissions from here."),
        },
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, Mapping):
            return Response({"detail": gettext(NOT_AN_OBJECT)}, status=status.HTTP_400_BAD_REQUEST)
        try:
            services.interview_submit(
                answers=request.data,
                language=request.LANGUAGE_CODE,
                client=Client.from_address(client_address(request)),
            )
        except InvalidAnswers as invalid:
            return Response({"errors": invalid.errors}, status=status.HTTP_400_BAD_REQUEST)
        except SubmissionRefused as refusal:
            refused = Response(
                {"detail": refusal.message, "code": refusal.code},
                status=status.HTTP_429_TOO_MANY_REQUESTS,
            )
            refused.headers["Retry-After"] = str(refusal.retry_after or 3600)
            return refused
        return Response(
            {
                "state": Interview.State.PENDING,
                "detail": str(services.INTERVIEW_MESSAGES["thanks"]),
            },
            status=status.HTTP_201_CREATED,
        )


class InterviewDetailView(PublicAPIView):
    @extend_schema(
        operation_id="interview_detail",
        summary="One published interview",
        description="A pending, rejected or unknown interview is the same 404.",
        parameters=[LANG_PARAMETER],
        responses={200: InterviewSerializer, 404: DetailSerializer},
    )
    def get(self, request: Request, slug: str) -> Response:
        interview = Interview.objects.published().filter(slug=slug).first()
        if interview is None:
            raise NotFound()
        return Response(_detail(request, interview))


urlpatterns = [
    path("", InterviewListView.as_view(), name="api-interviews"),
    path("<slug:slug>/", InterviewDetailView.as_view(), name="api-interview-detail"),
]
