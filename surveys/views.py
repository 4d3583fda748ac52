"""The survey pages: answer (confirming unusual amounts), see the receipt once, withdraw."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_http_methods

from cmbench.clients import Client, client_address
from cmbench.errors import error_response
from cmbench.throttling import WITHDRAW_SCOPE, page_throttle_wait
from surveys import services
from surveys.forms import SurveyForm, WithdrawForm
from surveys.models import Edition, SurveyResponse
from surveys.validation import InvalidAnswers

# What /survey/done/ shows once — the receipt code and the answer's id — travels in a
# signed, short-lived cookie, not the session: the code never rests on the server,
# where only its hash is kept (DESIGN.md privacy rule 9).
RECEIPT_COOKIE = "cmbench_receipt"
RECEIPT_SALT = "surveys.receipt"
RECEIPT_MAX_AGE = 600  # seconds between the answer and its receipt page
# What /survey/done/ shows again on a reload — the answer's position, never its code —
# comes from the answer's id, kept in the session for a day: long enough to come back
# to the page, short enough not to show one's pay to the next user of a shared device.
DONE_SESSION_KEY = "survey_done"
DONE_MAX_AGE = 24 * 3600  # seconds
# The answers /survey/done/ speaks of: a withdrawn or rejected one has nothing to show.
SHOWN_STATES = (SurveyResponse.State.ACCEPTED, SurveyResponse.State.FLAGGED)


@never_cache
@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest) -> HttpResponse:
    """GET: the form of the open edition. POST: store a valid answer, then show the receipt.

    A valid answer with an amount that trips a stage-1 sanity bound is not
    stored at once: the form comes back with the amount and a "did you mean…?",
    and the answer is stored (flagged) only when it is sent again with the
    confirming box ticked. Nothing is written, and the form's start token is
    not used up, until then.
    """
    edition = Edition.objects.open().first()
    if edition is None:
        return render(request, "surveys/closed.html")
    if request.method != "POST":
        return render(request, "surveys/survey.html", {"form": SurveyForm(), "edition": edition})

    form = SurveyForm(request.POST)
    if form.is_valid():
        assert form.answers is not None
        legal_minimum = services.legal_minimum_for(
            form.answers["country"], edition.year, region=form.answers["region"]
        )
        if form.ask_to_confirm(legal_minimum=legal_minimum):
            return render(request, "surveys/survey.html", {"form": form, "edition": edition})
    # A form's start token brings one answer only: claimed before the answer is stored.
    if form.is_valid() and form.claim_start():
        assert form.answers is not None
        try:
            response, code = services.response_submit(
                answers=form.answers,
                client=Client.from_address(client_address(request)),
            )
        except services.SubmissionRefused as refusal:
            form.release_start()
            form.add_error(None, refusal.message)
        except InvalidAnswers as invalid:
            form.release_start()
            # The edition closed between showing the form and sending it.
            for messages in invalid.errors.values():
                for message in messages:
                    form.add_error(None, message)
        except BaseException:
            form.release_start()
            raise
        else:
            request.session[DONE_SESSION_KEY] = [response.pk, int(time.time()) + DONE_MAX_AGE]
            done = redirect("survey-done")
            done.set_signed_cookie(
                RECEIPT_COOKIE,
                f"{response.pk}:{code}",
                salt=RECEIPT_SALT,
                max_age=RECEIPT_MAX_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Strict",
            )
            return done
    return render(request, "surveys/survey.html", {"form": form, "edition": edition})


def _answer_done(request: HttpRequest) -> SurveyResponse | None:
    """The answer this browser sent in the last day, unless it was withdrawn or rejected since."""
    remembered = request.session.get(DONE_SESSION_KEY)
    if not (
        isinstance(remembered, list)
        and len(remembered) == 2
        and all(type(part) is int for part in remembered)
        and remembered[1] > time.time()
    ):
        return None
    return (
        SurveyResponse.objects.select_related("edition")
        .filter(pk=remembered[0], state__in=SHOWN_STATES)
        .first()
    )


@never_cache
def survey_done(request: HttpRequest) -> HttpResponse:
    """The answer's position, and its receipt code once: the code's cookie is deleted as it is
    shown, so a reload shows the position again but not the code.

    Without an answer of this browser to speak of (never answered, more than a
    day ago, or withdrawn since), the page sends to the survey: there is no
    "thank you" for nothing.
    """
    response = _answer_done(request)
    if response is None:
        request.session.pop(DONE_SESSION_KEY, None)
        page = redirect("survey")
    else:
        value = request.get_signed_cookie(
            RECEIPT_COOKIE, default="", salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE
        )
        response_id, _, code = value.partition(":")
        page = render(
            request,
            "surveys/done.html",
            {
                "receipt_code": code if response_id == str(response.pk) else None,
                "response": response,
            },
        )
    page.delete_cookie(RECEIPT_COOKIE, samesite="Strict")
    return page


@never_cache
@sensitive_post_parameters("receipt")
@sensitive_variables()
@require_http_methods(["GET", "POST"])
def survey_withdraw(request: HttpRequest) -> HttpResponse:
    """Withdraw an answer by its receipt code, posted in the form's body (never in a URL).

    An unknown code and an already withdrawn one get the same page and the
    same 404, so the page reveals nothing about which codes exist. Every page
    is rendered in place, never a redirect that could carry the code. Attempts
    share the API's "withdraw" throttle bucket: past it, a 429 before the form
    is even read, and no query.
    """
    if request.method != "POST":
        return render(request, "surveys/withdraw.html", {"form": WithdrawForm()})
    wait = page_throttle_wait(request, scope=WITHDRAW_SCOPE)
    if wait is not None:
        return error_response(request, status=429, retry_after=wait)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        return render(request, "surveys/withdraw.html", {"form": form})
    if services.response_withdraw(receipt_code=form.cleaned_data["receipt"]):
        return render(request, "surveys/withdrawn.html")
    return render(
        request,
        "surveys/withdraw.html",
        {"form": WithdrawForm(), "not_found": True},
        status=404,
    )
