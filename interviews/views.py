"""The interview pages: the published list, one interview, and the submission form.

Only approved interviews ever reach these pages: a pending or rejected one has
no slug to be found by, and the queries ask for approved ones anyway.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from cmbench.clients import Client, client_address
from interviews import services
from interviews.forms import InterviewFilterForm, InterviewForm
from interviews.models import Interview
from surveys.services import SubmissionRefused
from surveys.validation import InvalidAnswers

PAGE_SIZE = 20


def page_language() -> str:
    return (get_language() or "fr")[:2]


def interview_list(request: HttpRequest) -> HttpResponse:
    """Approved interviews, newest first, filterable by role, employer type, country, language."""
    filter_form = InterviewFilterForm(request.GET or None)
    queryset = Interview.objects.published().filter(**filter_form.filters())
    page = Paginator(queryset.order_by("-reviewed_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "interviews/list.html",
        {
            "filter_form": filter_form,
            "page": page,
            "cards": [_card(interview) for interview in page],
            "query": query.urlencode(),
        },
    )


def _card(interview: Interview) -> dict[str, object]:
    return {
        "interview": interview,
        "excerpt": services.excerpt(interview.community_management),
    }


def interview_detail(request: HttpRequest, slug: str) -> HttpResponse:
    interview = get_object_or_404(Interview.objects.published(), slug=slug)
    return render(request, "interviews/detail.html", interview_context(interview))


def interview_context(interview: Interview, *, preview: bool = False) -> dict[str, object]:
    """What interviews/detail.html shows: the answers in order, with their questions."""
    return {
        "interview": interview,
        "answers": [
            {"question": question, "text": getattr(interview, question.field)}
            for question in services.QUESTIONS
        ],
        "other_language": interview.language != page_language(),
        "preview": preview,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def interview_submit(request: HttpRequest) -> HttpResponse:
    """GET: the questions. POST: store a valid submission as pending, then say so."""
    language = page_language()
    if request.method != "POST":
        sent = request.GET.get("sent") == "1"
        form = None if sent else InterviewForm(language=language)
        return render(request, "interviews/submit.html", {"form": form, "sent": sent})

    form = InterviewForm(request.POST, language=language)
    if form.is_valid():
        assert form.answers is not None
        try:
            services.interview_submit(
                answers=form.answers,
                language=language,
                client=Client.from_address(client_address(request)),
            )
        except SubmissionRefused as refusal:
            form.add_error(None, refusal.message)
        except InvalidAnswers as invalid:  # pragma: no cover - the form ran the same rules
            for messages in invalid.errors.values():
                for message in messages:
                    form.add_error(None, message)
        else:
            return redirect(reverse("interview-submit") + "?sent=1")
    return render(request, "interviews/submit.html", {"form": form, "sent": False})
