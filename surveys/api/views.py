"""The survey API: the vocabulary, submitting an answer, withdrawing it.

A withdrawal is `POST /api/v1/responses/withdraw/` with the receipt code in its
JSON body: the code never travels in a URL, where proxies, browsers and access
logs would keep it (privacy rule 9). The old `DELETE /api/v1/responses/<code>/`
answers 410 Gone; cmbench.logging keeps both out of the logs.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound
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
from cmbench.throttling import WITHDRAW_SCOPE
from surveys import services
from surveys.api.serializers import (
    WITHDRAWAL_MOVED,
    ReceiptSerializer,
    SurveyAnswerSerializer,
    VocabularySerializer,
    WithdrawalSerializer,
    vocabulary_payload,
)
from surveys.validation import InvalidAnswers

REFUSAL_STATUS = {
    "duplicate": status.HTTP_409_CONFLICT,
    "throttled": status.HTTP_429_TOO_MANY_REQUESTS,
}


class VocabularyView(PublicAPIView):
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


class ResponseCreateView(PublicAPIView):
    # One limit: the service's answers per client and hour (SURVEY_SUBMISSIONS_PER_HOUR),
    # which the survey form's answers count against too.
    throttle_scope = None

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
        client = Client.from_address(client_address(request))
        try:
            # A client past its answers of the hour is turned away before validation.
            services.response_refuse_early(client)
            serializer = SurveyAnswerSerializer(data=request.data)
            if not serializer.is_valid():
                return Response({"errors": serializer.errors}, status=status.HTTP_400_BAD_REQUEST)
            response, code = services.response_submit(
                answers=serializer.validated_data, client=client
            )
        except InvalidAnswers as invalid:
            return Response({"errors": invalid.errors}, status=status.HTTP_400_BAD_REQUEST)
        except services.SubmissionRefused as refusal:
            refused = Response(
                {"detail": refusal.message, "code": refusal.code},
                status=REFUSAL_STATUS.get(refusal.code, status.HTTP_409_CONFLICT),
            )
            if refused.status_code == status.HTTP_429_TOO_MANY_REQUESTS:
                # When one more answer would pass (the limit's window slides over the hour).
                refused.headers["Retry-After"] = str(refusal.retry_after or 3600)
            return refused
        return Response(
            {
                "receipt": code,
                "edition": response.edition.year,
                "state": response.state,
                # The endpoint, not the code: the code goes in the body of the POST.
                "withdraw_url": request.build_absolute_uri(reverse("api-response-withdraw")),
            },
            status=status.HTTP_201_CREATED,
        )


class ResponseWithdrawView(PublicAPIView):
    """POST the receipt code in the body; attempts are throttled per client, tightly."""

    throttle_scope = WITHDRAW_SCOPE

    @extend_schema(
        operation_id="response_withdraw",
        summary="Withdraw an answer with its receipt code",
        description=(
            'Send `{"receipt": "<code>"}` as the JSON body: the code never goes in a URL. '
            "The answer is left out of every snapshot published afterwards and its job title "
            "is erased. An unknown code and an already withdrawn one get the same 404. "
            "Attempts are limited per client (10 an hour by default), whatever their outcome."
        ),
        parameters=[LANG_PARAMETER],
        request=WithdrawalSerializer,
        responses={
            204: OpenApiResponse(description="Withdrawn."),
            400: OpenApiResponse(
                FieldErrorsSerializer,
                description="No receipt code in the body, or not one (`errors.receipt`).",
            ),
            404: OpenApiResponse(DetailSerializer, description="No answer to withdraw."),
            429: OpenApiResponse(DetailSerializer, description="Too many attempts from here."),
        },
        examples=[
            OpenApiExample(
                "A receipt code", request_only=True, value={"receipt": "7KQ2-M9XD-4HTA-PW3C-Y7CU"}
            )
        ],
    )
    @method_decorator(sensitive_variables())
    def post(self, request: Request) -> Response:
        data = request.data if isinstance(request.data, Mapping) else {}
        serializer = WithdrawalSerializer(data=data)
        if not serializer.is_valid():
            return Response({"errors": serializer.errors}, status=status.HTTP_400_BAD_REQUEST)
        if not services.response_withdraw(receipt_code=serializer.validated_data["receipt"]):
            raise NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class ResponseWithdrawGoneView(PublicAPIView):
    """The old `DELETE /api/v1/responses/<code>/`: 410, pointing to the POST endpoint.

    Left out of the schema: it has nothing to offer but the way to the new one.
    It reads nothing (no database, no throttle) and never looks at the code.
    """

    throttle_scope = None

    @extend_schema(exclude=True)
    def delete(self, request: Request, receipt: str) -> Response:
        return Response(
            {
                "detail": gettext(WITHDRAWAL_MOVED),
                "code": "gone",
                "withdraw_url": request.build_absolute_uri(reverse("api-response-withdraw")),
            },
            status=status.HTTP_410_GONE,
        )
