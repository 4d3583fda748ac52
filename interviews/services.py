"""Interviews with practitioners: the questions, the rules of a valid submission, moderation.

One set of rules (`interview_validate`) judges a submission from the web form
and from the API, so both refuse the same things with the same field-level
messages, in the language active at the time. One limit per client counts
the submissions of both (`interview_submit`, INTERVIEW_SUBMISSIONS_PER_HOUR).
A submission is stored pending; only an editor's approval gives it a slug,
and with it a public address.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from cmbench import limits
from interviews.models import Interview
from surveys import vocabulary as vocab
from surveys.services import Client, SubmissionRefused
from surveys.validation import MESSAGES, UNSTORABLE, InvalidAnswers, quoted


@dataclass(frozen=True, slots=True)
class Question:
    """One fixed question: the field that holds its answer, its wording and a hint."""

    field: str
    label: Promise
    help_text: Promise

    @property
    def max_length(self) -> int:
        return int(Interview._meta.get_field(self.field).max_length or 0)


QUESTIONS: tuple[Question, ...] = (
    Question(
        "path_to_job",
        _("How did you come to community management?"),
        _("Studies, first jobs, the turn that led you here."),
    ),
    Question(
        "current_position",
        _("What is your current position?"),
        _("Your title, the kind of employer or clients, the size of the team."),
    ),
    Question(
        "community_management",
        _("What is community management, for you?"),
        _("In your own words: what the job is for, and what it is not."),
    ),
    Question(
        "typical_week",
        _("What does a typical week look like?"),
        _("The recurring tasks, the meetings, the unexpected."),
    ),
    Question(
        "missions_and_tools",
        _("Which missions do you take on, and with which tools?"),
        _("Platforms, scheduling, listening, analytics, moderation tools…"),
    ),
    Question(
        "measuring_work",
        _("How do you measure your work?"),
        _("The indicators you report on, how often, and to whom."),
    ),
    Question(
        "advice",
        _("What would you advise someone starting out?"),
        _("What you wish you had known in your first year."),
    ),
)
QUESTION_FIELDS = tuple(question.field for question in QUESTIONS)

# Everything a submission may hold, beside the answers to the questions.
PROFILE_FIELDS = ("role", "employer_type", "country", "display_name", "language")
SUBMISSION_FIELDS = (*QUESTION_FIELDS, *PROFILE_FIELDS, "consent_to_publish")
LANGUAGES = tuple(Interview.Language.values)

INTERVIEW_MESSAGES = {
    "consent": _(
        "Tick this box to agree to publication: an interview is published only with your consent."
    ),
    "unknown_field": _("The interview has no such field."),
    "not_text": MESSAGES["text"],
    "thanks": _(
        "Thank you: your interview is waiting for moderation. It will be published once "
        "an editor has read it."
    ),
    "throttled": _("Too many interviews were sent from here: please try again in an hour."),
}

# Line breaks and tabs are kept; the other control characters go (they only ever
# come from copy-paste accidents). NUL and lone surrogates, which no database
# stores, are refused by name instead, as in a survey answer (validation.UNSTORABLE).
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Lowercase letters and digits that cannot be mistaken for one another.
_SLUG_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
SLUG_RANDOM_LENGTH = 6


def _max_length(field: str) -> int:
    return int(Interview._meta.get_field(field).max_length or 0)


def _clean_text(value: object, *, field: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(INTERVIEW_MESSAGES["not_text"])
    if UNSTORABLE.search(value):
        raise ValueError(MESSAGES["characters"])
    text = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > _max_length(field):
        raise ValueError(MESSAGES["too_long"] % {"max": _max_length(field)})
    return text


def _clean_code(value: object, *, allowed: tuple[str, ...], required: bool) -> str:
    code = value.strip() if isinstance(value, str) else value
    if code in (None, ""):
        if required:
            raise ValueError(MESSAGES["required"])
        return ""
    if code not in allowed:
        raise ValueError(
            MESSAGES["choice"] % {"value": quoted(code), "allowed": ", ".join(allowed)}
        )
    return str(code)


def interview_validate(raw: Mapping[str, Any], *, default_language: str) -> dict[str, Any]:
    """A submission's clean values, or InvalidAnswers with messages per field.

    Every question must be answered (blank after trimming counts as empty) and
    fit its maximum length; role and country are codes of the vocabulary,
    employer type one too or empty; the consent must be exactly true (a JSON
    `true`, a ticked box). `language` defaults to `default_language`.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    def check(field: str, clean_value: Any) -> None:
        try:
            clean[field] = clean_value()
        except ValueError as error:
            errors.setdefault(field, []).append(str(error))

    for name in raw:
        if name not in SUBMISSION_FIELDS:
            errors.setdefault(quoted(name), []).append(str(INTERVIEW_MESSAGES["unknown_field"]))
    for field in QUESTION_FIELDS:
        check(field, lambda field=field: _clean_text(raw.get(field), field=field))
        if field in clean and not clean[field]:
            del clean[field]
            errors.setdefault(field, []).append(str(MESSAGES["required"]))
    check("role", lambda: _clean_code(raw.get("role"), allowed=vocab.ROLE.codes, required=True))
    check(
        "employer_type",
        lambda: _clean_code(
            raw.get("employer_type"), allowed=vocab.EMPLOYER_TYPE.codes, required=False
        ),
    )
    check(
        "country",
        lambda: _clean_code(raw.get("country"), allowed=vocab.COUNTRY.codes, required=True),
    )
    check("display_name", lambda: _clean_text(raw.get("display_name"), field="display_name"))
    check(
        "language",
        lambda: (
            _clean_code(raw.get("language"), allowed=LANGUAGES, required=False) or default_language
        ),
    )
    if raw.get("consent_to_publish") is not True:
        errors.setdefault("consent_to_publish", []).append(str(INTERVIEW_MESSAGES["consent"]))
    else:
        clean["consent_to_publish"] = True
    if errors:
        raise InvalidAnswers(errors)
    return clean


def interview_submit(
    *, answers: Mapping[str, Any], language: str, client: Client | None = None
) -> Interview:
    """Validate and store a submission as pending; nothing is stored when it is refused.

    `language` is the page's or the request's: the default language of the
    answers and the language of the messages. With a `client`, at most
    INTERVIEW_SUBMISSIONS_PER_HOUR submissions an hour are taken from it, by
    the page and the API together: the one limit of both, counted atomically
    (`cmbench.limits`) under the client's rotating hash. Invalid submissions
    are not counted; a client past the limit is refused before validation.
    Raises InvalidAnswers (messages per field) or SubmissionRefused.
    """
    counter = f"interview:count:{client.fingerprint}" if client is not None else None
    limit = settings.INTERVIEW_SUBMISSIONS_PER_HOUR
    # A client past its limit is turned away before the submission is validated.
    if counter is not None:
        refused = limits.full(counter, limit=limit, window_seconds=3600)
        if refused is not None:
            raise _too_many(refused)
    clean = interview_validate(answers, default_language=language)
    counted = None
    if counter is not None:
        counted = limits.hit(counter, limit=limit, window_seconds=3600)
        if not counted.allowed:
            raise _too_many(counted)
    try:
        return Interview.objects.create(**clean, state=Interview.State.PENDING)
    except BaseException:
        if counted is not None:
            limits.release(counted)
        raise


def _too_many(refused: limits.Hit) -> SubmissionRefused:
    return SubmissionRefused(
        str(INTERVIEW_MESSAGES["throttled"]), code="throttled", retry_after=refused.retry_after
    )


def interview_slug(interview: Interview) -> str:
    """role-country-random, e.g. community-manager-fr-k7m2qx: nothing from the name."""
    suffix = "".join(secrets.choice(_SLUG_ALPHABET) for _ in range(SLUG_RANDOM_LENGTH))
    return f"{interview.role}-{interview.country.lower()}-{suffix}"


def interview_approve(*, interview: Interview, editor: Any) -> Interview:
    """Publish an interview: approved, with a slug (kept if it had one), reviewer and time."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                locked = Interview.objects.select_for_update().get(pk=interview.pk)
                locked.state = Interview.State.APPROVED
                locked.slug = locked.slug or interview_slug(locked)
                locked.rejection_reason = ""
                locked.reviewed_at = timezone.now()
                locked.reviewed_by = editor
                locked.save()
        except IntegrityError:
            # The random part collided with another interview's slug: draw again.
            continue
        return locked
    raise IntegrityError("no free slug after 5 attempts")


def interview_reject(*, interview: Interview, editor: Any, reason: str) -> Interview:
    """Refuse an interview (an approved one leaves the site); the reason is required."""
    reason = reason.strip()
    if not reason:
        raise ValueError("a rejection needs a reason")
    with transaction.atomic():
        locked = Interview.objects.select_for_update().get(pk=interview.pk)
        locked.state = Interview.State.REJECTED
        locked.rejection_reason = reason[: _max_length("rejection_reason")]
        locked.reviewed_at = timezone.now()
        locked.reviewed_by = editor
        locked.save()
    return locked


def excerpt(text: str, *, length: int = 280) -> str:
    """The start of an answer, cut at a word boundary, with an ellipsis when cut."""
    text = " ".join(text.split())
    if len(text) <= length:
        return text
    cut = text[:length].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"
