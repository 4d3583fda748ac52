"""The survey API: the vocabulary, submitting an answer, withdrawing it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from surveys import services
from surveys.api.serializers import (
    NOT_AN_OBJECT,
    DetailSerializer,
    FieldErrorsSerializer,
    ReceiptSerializer,
    SurveyAnswerSerializer,
    VocabularySerializer,
    vocabulary_payload,
)
from surveys.api.throttling import ClientRateThrottle
from surveys.clients import client_address
from surveys.validation import InvalidAnswers

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=[code for code, _name in settings.LANGUAGES],
    description="Language of the messages; otherwise Accept-Language, then French.",
)

REFUSAL_STATUS = {
    "duplicate": status.HTTP_409_CONFLICT,
    "throttled": status.HTTP_429_TOO_MANY_REQUESTS,
}


def request_language(request: Request) -> str:
    """`?lang=` if it names a language of the site, else Accept-Language, else French.

    The API is outside i18n_patterns, where LocaleMiddleware always picks the
    default language; an API client says what it wants in its request instead.
    """
    supported = {code for code, _name in settings.LANGUAGES}
    asked = request.query_params.get("lang", "").strip().lower()[:2]
    if asked in supported:
        return asked
    return translation.get_language_from_request(request, check_path=False)


class RequestLanguageMixin:
    """Answers (messages included) in the language the request asks for."""

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        super().initial(request, *args, **kwargs)  # type: ignore[misc]


class VocabularyView(RequestLanguageMixin, APIView):
    throttle_classes = [ClientRateThrottle]
    throttle_scope = "anon_read"

    @extend_schema(
        operation_id="vocabulary",
        summary="Every code with its French and English labels",
        description=(
            "Codes of every vocabulary of the survey and the benchmarks, with labels in both "
            "languages; regions also grouped by country, the currency of each country, and the "
            "year bounds of each experience band."
        ),
        responses={200: VocabularySerializer},
    )
    def get(self, request: Request) -> Response:
        response = Response(vocabulary_payload())
        # Constants until the next deployment: caches may keep them an hour.
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response


class ResponseCreateView(RequestLanguageMixin, APIView):
    throttle_classes = [ClientRateThrottle]
    throttle_scope = "submission"

    @extend_schema(
        operation_id="response_submit",
        summary="Submit an answer to the open edition",
        description=(
            "Validated with the same rules as the web form. A valid answer with unusual figures "
            "is stored as `flagged` and held out of benchmarks until an editor reviews it. "
            "The receipt code is shown in this response only: keep it to withdraw the answer."
        ),
        parameters=[LANG_PARAMETER],
        request=SurveyAnswerSerializer,
        responses={
            201: ReceiptSerializer,
            400: OpenApiResponse(
                FieldErrorsSerializer, description="Invalid answer, or a body that is not JSON."
            ),
            409: OpenApiResponse(
                DetailSerializer, description="The same answer was sent within the hour."
            ),
            429: OpenApiResponse(DetailSerializer, description="Too many answers from here."),
        },
        examples=[
            OpenApiExample(
                "An employee",
                request_only=True,
                value={
                    "status": "employee",
                    "role": "community-manager",
                    "experience_years": 4,
                    "education": "bac5",
                    "employer_size": "medium",
                    "employer_type": "brand",
                    "country": "FR",
                    "region": "FR-IDF",
                    "work_time_share": 1.0,
                    "base_salary": 36000,
                    "variable_pay": 2000,
                    "missions": ["animation", "content"],
                    "kpis": ["engagement"],
                    "weekly_hours": 38,
                    "remote_days": 2,
                    "satisfaction": 4,
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        if not isinstance(request.data, Mapping):
            return Response({"detail": gettext(NOT_AN_OBJECT)}, status=status.HTTP_400_BAD_REQUEST)
        serializer = SurveyAnswerSerializer(data=request.data)
        if not serializer.is_valid():
            return Response({"errors": serializer.errors}, status=status.HTTP_400_BAD_REQUEST)
        try:
            response, code = services.response_submit(
                answers=serializer.validated_data,
                client=services.Client.from_address(client_address(request)),
            )
        except InvalidAnswers as invalid:
            return Response({"errors": invalid.errors}, status=status.HTTP_400_BAD_REQUEST)
        except services.SubmissionRefused as refusal:
            refused = Response(
                {"detail": refusal.message, "code": refusal.code},
                status=REFUSAL_STATUS.get(refusal.code, status.HTTP_409_CONFLICT),
            )
            if refused.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
                # The service counts answers per client over an hour.
                refused.headers["Retry-After"] = "3600"
            return refused
        withdraw_path = reverse("api-response-withdraw", kwargs={"receipt": code})
        return Response(
            {
                "receipt": code,
                "edition": response.edition.year,
                "state": response.state,
                "withdraw_url": request.build_absolute_uri(withdraw_path),
            },
            status=status.HTTP_201_CREATED,
        )


class ResponseWithdrawView(RequestLanguageMixin, APIView):
    throttle_classes = [ClientRateThrottle]
    throttle_scope = "anon_read"

    @extend_schema(
        operation_id="response_withdraw",
        summary="Withdraw an answer with its receipt code",
        description=(
            "The answer is left out of every snapshot published afterwards. An unknown code and "
            "an already withdrawn one get the same 404."
        ),
        parameters=[LANG_PARAMETER],
        responses={
            204: OpenApiResponse(description="Withdrawn."),
            404: OpenApiResponse(DetailSerializer, description="No answer to withdraw."),
        },
    )
    def delete(self, request: Request, receipt: str) -> Response:
        if not services.response_withdraw(receipt_code=receipt):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)
