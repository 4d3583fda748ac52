"""Writes that span models or have side effects: submitting and withdrawing an answer."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from cmbench import limits
from cmbench.clients import Client
from surveys import vocabulary as vocab
from surveys.models import Edition, LegalMinimum, SurveyResponse
from surveys.rules.legal_minimums import LegalMinimumTable, minimum_in_force, table_of
from surveys.validation import MESSAGES, InvalidAnswers, full_time_equivalents, sanity_flags

MESSAGES_REFUSAL = {
    "duplicate": _("This answer was already sent from this device less than an hour ago."),
    "too_many": _("Too many answers sent from this device: try again in an hour."),
}

RECEIPT_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed back
RECEIPT_SYMBOLS = 20


def receipt_code_new() -> str:
    """A receipt code like 7KQ2-M9XD-4HTA-PW3C-Y7CU: 20 random symbols of 32, 100 bits."""
    symbols = "".join(secrets.choice(RECEIPT_ALPHABET) for _position in range(RECEIPT_SYMBOLS))
    return "-".join(symbols[i : i + 4] for i in range(0, RECEIPT_SYMBOLS, 4))


def _receipt_symbols(code: str) -> str:
    """The code as typed back: case, dashes and spaces do not matter."""
    return code.strip().upper().replace("-", "").replace(" ", "")


def receipt_is_well_formed(code: str) -> bool:
    """Whether `code` could be a receipt code at all: 20 symbols of RECEIPT_ALPHABET."""
    symbols = _receipt_symbols(code)
    return len(symbols) == RECEIPT_SYMBOLS and all(s in RECEIPT_ALPHABET for s in symbols)


@sensitive_variables("code")
def receipt_hash(code: str) -> str:
    """SHA-256 of the normalized code. 100 random bits need no salt to resist guessing."""
    return hashlib.sha256(_receipt_symbols(code).encode()).hexdigest()


class SubmissionRefused(Exception):
    """The answer is valid but cannot be taken now (duplicate, too many, no edition)."""

    def __init__(
        self, message: str, *, code: str, field: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        # Seconds until the client may send again, when a limit refused it.
        self.retry_after = retry_after


def _answers_digest(answers: dict[str, Any]) -> str:
    canonical = json.dumps(answers, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def edition_for_submission(year: int | None) -> Edition:
    """The edition an answer goes to: the open one, or the year asked if it is open."""
    if year is None:
        edition = Edition.objects.open().first()
        if edition is None:
            raise InvalidAnswers({"edition": [str(MESSAGES["no_open_edition"])]})
        return edition
    edition = Edition.objects.filter(year=year).first()
    if edition is None:
        raise InvalidAnswers({"edition": [str(MESSAGES["unknown_edition"] % {"value": year})]})
    if not edition.is_open:
        raise InvalidAnswers({"edition": [str(MESSAGES["closed_edition"] % {"value": year})]})
    return edition


def legal_minimum_table(*, country: str | None = None) -> LegalMinimumTable:
    """The legal minimums editors keep in the admin (of one country, or all): a few dozen rows."""
    rows = (
        LegalMinimum.objects.all()
        if country is None
        else LegalMinimum.objects.filter(country=country)
    )
    return table_of(rows.values_list("country", "region", "year", "annual_gross"))


def legal_minimum_for(country: str, year: int, *, region: str) -> int | None:
    """The minimum in force that year in `region` of `country` (its province's, in Canada).

    The latest row of that year or before (one query), `rules.legal_minimums`.
    """
    return minimum_in_force(
        country, year, region=region, table=legal_minimum_table(country=country)
    )


def response_build(
    *, answers: dict[str, Any], edition: Edition, source: str, legal_minimum: int | None
) -> SurveyResponse:
    """An unsaved SurveyResponse from cleaned answers, normalized and flagged."""
    total_fte, base_fte = full_time_equivalents(
        answers["base_salary"], answers["variable_pay"], answers["work_time_share"]
    )
    flags = sanity_flags(answers, legal_minimum=legal_minimum)
    fields = {k: v for k, v in answers.items() if k not in ("edition", "missions", "kpis")}
    return SurveyResponse(
        edition=edition,
        source=source,
        state=SurveyResponse.State.FLAGGED if flags else SurveyResponse.State.ACCEPTED,
        flags=flags,
        missions_mask=vocab.mask_of(answers["missions"], vocab.MISSIONS),
        kpis_mask=vocab.mask_of(answers["kpis"], vocab.KPIS),
        total_fte=total_fte,
        base_fte=base_fte,
        **fields,
    )


def _answers_counter(client: Client) -> str:
    return f"survey:count:{client.fingerprint}"


def _too_many(refused: limits.Hit) -> SubmissionRefused:
    """The refusal of a client past its hourly limit, with when it may send again."""
    return SubmissionRefused(
        str(MESSAGES_REFUSAL["too_many"]), code="throttled", retry_after=refused.retry_after
    )


def response_refuse_early(client: Client) -> None:
    """SubmissionRefused now if `client` has no answer left this hour; counts nothing.

    The API asks before it validates an answer: a client past its limit then
    costs one cache read rather than a validation. `response_submit` still
    counts each answer that gets that far, atomically, and alone decides.
    """
    refused = limits.full(
        _answers_counter(client), limit=settings.SURVEY_SUBMISSIONS_PER_HOUR, window_seconds=3600
    )
    if refused is not None:
        raise _too_many(refused)


def response_submit(
    *, answers: dict[str, Any], client: Client, source: str = SurveyResponse.Source.SURVEY
) -> tuple[SurveyResponse, str]:
    """Store one validated answer and return it with its receipt code (shown once).

    Refuses the same answer sent again by the same client within the hour,
    and a client past SURVEY_SUBMISSIONS_PER_HOUR. Both checks are atomic
    (a cache `add`, a `cmbench.limits` count), so answers sent in parallel
    cannot all pass them. Nothing is written on refusal; the insert is one
    transaction, and if it fails the answer counts for neither check.
    """
    edition = edition_for_submission(answers.get("edition"))
    duplicate_key = f"survey:dup:{client.fingerprint}:{_answers_digest(answers)}"
    if not cache.add(duplicate_key, 1, timeout=3600):
        raise SubmissionRefused(str(MESSAGES_REFUSAL["duplicate"]), code="duplicate")
    counted = limits.hit(
        _answers_counter(client), limit=settings.SURVEY_SUBMISSIONS_PER_HOUR, window_seconds=3600
    )
    if not counted.allowed:
        cache.delete(duplicate_key)
        raise _too_many(counted)
    try:
        code = receipt_code_new()
        response = response_build(
            answers=answers,
            edition=edition,
            source=source,
            legal_minimum=legal_minimum_for(
                answers["country"], edition.year, region=answers["region"]
            ),
        )
        response.receipt_hash = receipt_hash(code)
        with transaction.atomic():
            response.save()
    except BaseException:
        limits.release(counted)
        cache.delete(duplicate_key)
        raise
    return response, code


@sensitive_variables("receipt_code")
def response_withdraw(*, receipt_code: str) -> bool:
    """Withdraw the answer of that receipt: out of every future snapshot, free text erased.

    Returns False for an unknown or already withdrawn code, without saying which.
    The withdrawal is dated to the day (midnight, local time), like the
    submission: a time of day could be joined with an access log (privacy rule 10).
    """
    withdrawn_on = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    updated = (
        SurveyResponse.objects.filter(receipt_hash=receipt_hash(receipt_code))
        .exclude(state=SurveyResponse.State.WITHDRAWN)
        .update(
            state=SurveyResponse.State.WITHDRAWN,
            receipt_hash=None,
            job_title="",
            reviewed_at=withdrawn_on,
        )
    )
    return updated == 1
