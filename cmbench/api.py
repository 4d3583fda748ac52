"""API wiring shared by every app: the base view of public endpoints, shared shapes, errors.

Every public API view derives from `PublicAPIView`: it answers in the language
the request asks for (`request_language`) and is throttled on its scope by
the one throttle class of REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
(`cmbench.throttling`). Apps import these from here, never from one another.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.http.response import HttpResponseBase
from django.utils import translation
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from cmbench.throttling import READ_SCOPE

NOT_AN_OBJECT = gettext_noop("Send one answer as a JSON object.")

LANG_PARAMETER = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=[code for code, _name in settings.LANGUAGES],
    description="Language of the messages; otherwise Accept-Language, then French.",
)


class FieldErrorsSerializer(serializers.Serializer):
    """A refused answer: messages per field, in the request's language."""

    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text='Field name to messages, e.g. {"region": ["The region ..."]}.',
    )


@extend_schema_serializer(component_name="ErrorMessage")
class DetailSerializer(serializers.Serializer):
    """A refusal that is not about one field, or a 404."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False, help_text="duplicate or throttled.")


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
    """Answers (messages included) in the language the request asks for.

    Set before the throttles run, so that a 429 speaks it too. A view whose
    answers hold no words (figures only) sets `language_on_demand`: the
    language is then set only where a message is written, on an exception
    here and wherever the view calls `speak_the_requests_language`, since
    parsing Accept-Language costs as much as reading a published figure.
    """

    language_on_demand: ClassVar[bool] = False

    def speak_the_requests_language(self, request: Request) -> None:
        language = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if not self.language_on_demand:
            self.speak_the_requests_language(request)
        super().initial(request, *args, **kwargs)  # type: ignore[misc]

    def throttled(self, request: Request, wait: float | None) -> None:
        # DRF writes the 429's message when it raises, before `handle_exception`.
        if self.language_on_demand:
            self.speak_the_requests_language(request)
        super().throttled(request, wait)  # type: ignore[misc]

    def handle_exception(self, exc: Exception) -> HttpResponseBase:
        if self.language_on_demand:
            self.speak_the_requests_language(self.request)  # type: ignore[attr-defined]
        return super().handle_exception(exc)  # type: ignore[misc,no-any-return]


class PublicAPIView(RequestLanguageMixin, APIView):
    """Answers (messages included) in the language the request asks for."""

    # The base of every public API view: the request's language, then the
    # client's throttle. Its docstring is written for API clients: the schema
    # shows it for an endpoint that describes itself no further (drf-spectacular
    # reads the nearest docstring up the classes).
    # The throttle counts once per request, on the view's scope: the public
    # read rate unless the view names another (withdrawals), or none (None)
    # for a submission, whose one limit is its service's own, shared with the
    # page that submits the same thing.
    throttle_scope: str | None = READ_SCOPE


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's handler, plus: a statistics error on bad input is a 400, not a 500.

    Imported lazily so that `benchmarks.stats` stays free of Django and this
    module free of a hard dependency on it.
    """
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    try:
        from benchmarks.stats.errors import StatsError
    except ImportError:  # pragma: no cover - the package is part of the project
        return None
    if isinstance(exc, StatsError):
        return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
    return None
