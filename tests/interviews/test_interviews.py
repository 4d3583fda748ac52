"""Interviews with practitioners: submission, moderation, and what readers may see.

Everything goes through the public URLs (pages, API, admin) as a practitioner,
a reader or an editor would. The three sample interviews of the data migration
are there in every test: the assertions count around them.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from interviews.models import Interview
from interviews.services import interview_approve, interview_reject
from tests.factories import EditionFactory, EditorFactory, valid_answers

API = "/api/v1/interviews/"
# Submissions in English: the API answers in French unless asked otherwise.
SUBMIT = f"{API}?lang=en"
JSON = {"content_type": "application/json"}
SCRIPT = '<script>alert("pwned")</script>'


def interview_answers(**overrides: Any) -> dict[str, Any]:
    """A valid submission with the API's field names; an override of None drops the field."""
    answers: dict[str, Any] = {
        "role": "community-manager",
        "employer_type": "brand",
        "country": "FR",
        "display_name": "Alex",
        "language": "en",
        "consent_to_publish": True,
        "path_to_job": "A degree in literature, then a job in a bookshop that needed an Instagram.",
        "current_position": "Community manager at a publisher, in a team of three.",
        "community_management": "Making readers talk to each other, not only to us.",
        "typical_week": "Replies every morning, a live reading on Thursdays, reporting on Fridays.",
        "missions_and_tools": "Animation, moderation, content; a scheduler and a listening tool.",
        "measuring_work": "Active members each month and the median time to a first reply.",
        "advice": "Write your moderation charter before you need it.",
    }
    answers.update(overrides)
    return {name: value for name, value in answers.items() if value is not None}


def submitted(**overrides: Any) -> Interview:
    """A pending interview, stored as a submission would be."""
    answers = interview_answers(**overrides)
    answers.pop("consent_to_publish")
    return Interview.objects.create(**answers, consent_to_publish=True)


def approved(**overrides: Any) -> Interview:
    return interview_approve(interview=submitted(**overrides), editor=None)


def page_form(**overrides: Any) -> dict[str, Any]:
    """The page form's POST data: the consent as a ticked box."""
    data = interview_answers(**overrides)
    if data.pop("consent_to_publish", None):
        data["consent_to_publish"] = "on"
    return data


@pytest.mark.django_db
class TestSubmission:
    def test_a_practitioner_submits_through_the_page_and_it_waits_for_moderation(
        self, client: Client
    ) -> None:
        response = client.post("/en/interviews/submit/", page_form(), follow=True)

        assert response.redirect_chain == [("/en/interviews/submit/?sent=1", 302)]
        assert "your interview is waiting for moderation" in response.content.decode()
        interview = Interview.objects.get(display_name="Alex")
        assert interview.state == "pending"
        assert interview.slug == ""
        assert interview.language == "en"
        assert interview.advice == "Write your moderation charter before you need it."

    def test_the_language_of_the_answers_defaults_to_the_page_language(
        self, client: Client
    ) -> None:
        client.post("/interviews/submit/", page_form(language=None))

        assert Interview.objects.get(display_name="Alex").language == "fr"

    def test_the_api_takes_an_interview_for_moderation(self, client: Client) -> None:
        response = client.post(SUBMIT, interview_answers(), content_type="application/json")

        assert response.status_code == 201
        assert response.json() == {
            "state": "pending",
            "detail": "Thank you: your interview is waiting for moderation. It will be "
            "published once an editor has read it.",
        }
        assert Interview.objects.pending().filter(display_name="Alex").count() == 1

    def test_a_missing_consent_is_refused_and_nothing_is_stored(self, client: Client) -> None:
        before = Interview.objects.count()

        by_api = client.post(
            SUBMIT, interview_answers(consent_to_publish=None), content_type="application/json"
        )
        by_page = client.post("/en/interviews/submit/", page_form(consent_to_publish=None))
        consent_false = client.post(
            SUBMIT, interview_answers(consent_to_publish=False), content_type="application/json"
        )
        consent_string = client.post(
            SUBMIT, interview_answers(consent_to_publish="yes"), content_type="application/json"
        )

        consent_message = (
            "Tick this box to agree to publication: an interview is published only with your "
            "consent."
        )
        assert by_api.status_code == 400
        assert by_api.json() == {"errors": {"consent_to_publish": [consent_message]}}
        assert by_page.status_code == 200
        assert consent_message in by_page.content.decode()
        assert consent_false.json()["errors"] == {"consent_to_publish": [consent_message]}
        assert consent_string.json()["errors"] == {"consent_to_publish": [consent_message]}
        assert Interview.objects.count() == before

    def test_an_empty_required_answer_is_refused_field_by_field(self, client: Client) -> None:
        before = Interview.objects.count()

        response = client.post(
            SUBMIT,
            interview_answers(typical_week="   \n  ", advice=None),
            content_type="application/json",
        )

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "typical_week": ["This field is required."],
            "advice": ["This field is required."],
        }
        assert Interview.objects.count() == before

    def test_an_over_long_answer_is_refused(self, client: Client) -> None:
        before = Interview.objects.count()

        response = client.post(
            SUBMIT,
            interview_answers(current_position="x" * 1001, advice="y" * 3000),
            content_type="application/json",
        )

        assert response.status_code == 400
        assert response.json()["errors"] == {
            "current_position": ["This text is longer than 1000 characters."]
        }
        assert Interview.objects.count() == before

    def test_an_unknown_role_code_is_refused_in_the_request_language(self, client: Client) -> None:
        before = Interview.objects.count()

        english = client.post(
            f"{API}?lang=en", interview_answers(role="guru"), content_type="application/json"
        )
        french = client.post(
            f"{API}?lang=fr", interview_answers(role="guru"), content_type="application/json"
        )
        page = client.post("/interviews/submit/", page_form(role="guru"))

        assert english.json()["errors"]["role"][0].startswith(
            "“guru” is not an allowed value; allowed values: community-manager, "
        )
        # French typography puts no-break spaces around « » ; : (compared as plain spaces).
        assert (
            french.json()["errors"]["role"][0]
            .replace("\xa0", " ")
            .startswith(
                "« guru » n’est pas une valeur autorisée ; valeurs autorisées : community-manager, "
            )
        )
        assert "« guru » n’est pas une valeur autorisée" in page.content.decode().replace(
            "\xa0", " "
        )
        assert Interview.objects.count() == before

    def test_an_unknown_field_and_a_non_object_body_are_refused(self, client: Client) -> None:
        unknown = client.post(
            SUBMIT, interview_answers(salary=40000), content_type="application/json"
        )
        a_list = client.post(SUBMIT, [interview_answers()], content_type="application/json")

        assert unknown.json()["errors"] == {"salary": ["The interview has no such field."]}
        assert a_list.status_code == 400

    def test_control_characters_are_dropped_and_line_breaks_kept(self, client: Client) -> None:
        response = client.post(
            SUBMIT,
            interview_answers(advice="First\x1b line\r\nSecond\x07 line"),
            content_type="application/json",
        )

        assert response.status_code == 201
        assert Interview.objects.get(display_name="Alex").advice == "First line\nSecond line"

    @pytest.mark.parametrize("text", ["First\x00 line", "First\ud800 line"])
    def test_a_character_no_database_stores_is_refused_by_field_by_page_and_api(
        self, client: Client, text: str
    ) -> None:
        before = Interview.objects.count()
        message = (
            "This text contains a character that cannot be stored (a NUL character or a lone "
            "surrogate): remove it."
        )

        api = client.post(
            f"{API}?lang=en", interview_answers(advice=text), content_type="application/json"
        )

        assert api.status_code == 400
        assert api.json() == {"errors": {"advice": [message]}}
        if "\x00" in text:  # a browser cannot send a lone surrogate: UTF-8 has none
            page = client.post("/en/interviews/submit/", page_form(advice=text))
            assert page.status_code == 200
            assert message in page.content.decode()
            assert "Null characters are not allowed." not in page.content.decode()
        assert Interview.objects.count() == before

    def test_submissions_are_limited_per_client(self, client: Client, settings: Any) -> None:
        settings.INTERVIEW_SUBMISSIONS_PER_HOUR = 2

        answers = [
            client.post(SUBMIT, interview_answers(), content_type="application/json")
            for _ in range(3)
        ]
        by_page = client.post("/en/interviews/submit/", page_form())

        assert [answer.status_code for answer in answers] == [201, 201, 429]
        # Two counted this window weigh half by the middle of the next: 2 * 0.5 + 1 <= 2.
        assert 1800 < int(answers[2]["Retry-After"]) <= 5400
        assert "Too many interviews were sent from here" in by_page.content.decode()
        assert Interview.objects.filter(display_name="Alex").count() == 2
        # Past the limit, even an invalid submission is refused before it is read.
        invalid = client.post(SUBMIT, interview_answers(consent_to_publish=None), **JSON)
        assert invalid.status_code == 429

    def test_the_setting_is_the_one_limit_and_counts_stored_interviews_only(
        self, client: Client, settings: Any
    ) -> None:
        # Above the API's former second counter (20 submissions an hour, shared with answers).
        settings.INTERVIEW_SUBMISSIONS_PER_HOUR = 22
        refused = [
            client.post(SUBMIT, interview_answers(consent_to_publish=None), **JSON).status_code
            for _ in range(5)
        ]

        statuses = [client.post(SUBMIT, interview_answers(), **JSON).status_code for _ in range(23)]

        assert refused == [400] * 5  # invalid submissions are not counted
        assert statuses == [201] * 22 + [429]
        assert client.post(SUBMIT, interview_answers(), **JSON).json() == {
            "detail": "Too many interviews were sent from here: please try again in an hour.",
            "code": "throttled",
        }
        assert Interview.objects.filter(display_name="Alex").count() == 22

    def test_interviews_do_not_spend_the_survey_answers_allowance(
        self, client: Client, settings: Any
    ) -> None:
        settings.INTERVIEW_SUBMISSIONS_PER_HOUR = 25
        settings.SURVEY_SUBMISSIONS_PER_HOUR = 1
        EditionFactory(year=2026)
        interviews = [client.post(SUBMIT, interview_answers(), **JSON) for _ in range(25)]

        answer = client.post("/api/v1/responses/", valid_answers(), **JSON)
        second_answer = client.post("/api/v1/responses/", valid_answers(base_salary=41_000), **JSON)

        assert {response.status_code for response in interviews} == {201}
        assert (answer.status_code, second_answer.status_code) == (201, 429)


@pytest.mark.django_db
class TestWhatReadersSee:
    def test_a_pending_interview_is_never_public(self, client: Client) -> None:
        pending = submitted(display_name="Pending Pat")

        pages = [client.get(url).content.decode() for url in ("/interviews/", "/en/interviews/")]
        api = client.get(API).json()

        assert all("Pending Pat" not in page for page in pages)
        assert "Pending Pat" not in str(api)
        assert api["count"] == 3  # the samples only
        assert pending.slug == ""
        assert client.get(f"{API}{pending.pk}/").status_code == 404
        assert client.get(f"/interviews/{pending.pk}/").status_code == 404

    def test_a_rejected_interview_leaves_the_site(self, client: Client) -> None:
        interview = approved(display_name="Soon Gone")
        page_url = f"/en/interviews/{interview.slug}/"
        assert client.get(page_url).status_code == 200

        interview_reject(interview=interview, editor=None, reason="Names a colleague.")

        assert client.get(page_url).status_code == 404
        assert client.get(f"{API}{interview.slug}/").status_code == 404
        assert "Soon Gone" not in client.get("/en/interviews/").content.decode()
        assert "Soon Gone" not in str(client.get(API).json())

    def test_an_approved_interview_is_listed_and_shown_with_a_slug_from_role_and_country(
        self, client: Client
    ) -> None:
        interview = approved(display_name="Alex Martin", role="moderator", country="BE")

        assert interview.slug.startswith("moderator-be-")
        assert len(interview.slug) == len("moderator-be-") + 6
        assert "alex" not in interview.slug and "martin" not in interview.slug
        listing = client.get("/en/interviews/").content.decode()
        page = client.get(f"/en/interviews/{interview.slug}/").content.decode()
        detail = client.get(f"{API}{interview.slug}/?lang=en").json()
        assert f'href="/en/interviews/{interview.slug}/"' in listing
        assert "Alex Martin" in page
        assert "Write your moderation charter before you need it." in page
        assert detail["slug"] == interview.slug
        assert detail["is_sample"] is False
        assert detail["sample_notice"] is None
        assert detail["display_name"] == "Alex Martin"
        assert detail["url"] == f"http://testserver/en/interviews/{interview.slug}/"
        assert [answer["question"] for answer in detail["answers"]] == [
            "path_to_job",
            "current_position",
            "community_management",
            "typical_week",
            "missions_and_tools",
            "measuring_work",
            "advice",
        ]
        assert detail["answers"][1]["label"] == "What is your current position?"

    def test_an_anonymous_interview_shows_no_name(self, client: Client) -> None:
        interview = approved(display_name="")

        page = client.get(f"/en/interviews/{interview.slug}/").content.decode()

        assert "Anonymous" in page
        assert client.get(f"{API}{interview.slug}/").json()["display_name"] is None

    def test_a_script_in_an_answer_never_reaches_a_page(self, client: Client) -> None:
        interview = approved(community_management=SCRIPT, advice=f"Be kind. {SCRIPT}")

        for url in (f"/interviews/{interview.slug}/", "/interviews/", "/en/interviews/"):
            html = client.get(url).content.decode()
            assert "<script" not in html
            assert "&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;" in html

    def test_the_list_filters_by_role_employer_type_and_country(self, client: Client) -> None:
        wanted = approved(display_name="Wanted", role="moderator", employer_type="media")
        approved(display_name="Other role", role="community-manager", employer_type="media")
        approved(
            display_name="Other country", role="moderator", employer_type="media", country="CH"
        )

        api = client.get(f"{API}?role=moderator&employer_type=media&country=FR").json()
        page = client.get("/en/interviews/?role=moderator&employer_type=media&country=FR")

        assert [item["slug"] for item in api["results"]] == [wanted.slug]
        assert page.context["page"].object_list[0] == wanted
        assert len(page.context["page"].object_list) == 1

    def test_an_unknown_filter_value_is_a_400_with_the_allowed_values(self, client: Client) -> None:
        response = client.get(f"{API}?country=DE&lang=en")

        assert response.status_code == 400
        assert response.json() == {
            "errors": {
                "country": ["“DE” is not an allowed value; allowed values: FR, BE, CH, LU, CA."]
            }
        }

    def test_pages_are_french_at_the_root_and_english_under_en(self, client: Client) -> None:
        interview = approved()

        french = client.get(f"/interviews/{interview.slug}/").content.decode()
        english = client.get(f"/en/interviews/{interview.slug}/").content.decode()

        assert '<html lang="fr">' in french and '<html lang="en">' in english
        assert "Quel est votre poste actuel ?" in french.replace("\xa0", " ")
        assert "What is your current position?" in english
        # The answers stay in the language they were written in, on both pages.
        assert "Community manager at a publisher, in a team of three." in french

    def test_the_list_takes_two_queries_whatever_the_number_of_interviews(
        self, client: Client, django_assert_num_queries: Any
    ) -> None:
        for number in range(25):
            approved(display_name=f"Practitioner {number}")

        # The count for the pages, then one page of 20.
        with django_assert_num_queries(2):
            page = client.get("/en/interviews/")
        with django_assert_num_queries(2):
            api = client.get(f"{API}?lang=en").json()

        assert len(page.context["cards"]) == 20
        assert api["count"] == 28 and len(api["results"]) == 20
        assert api["next"] == "http://testserver/api/v1/interviews/?lang=en&page=2"

    def test_samples_are_marked_on_the_pages_and_in_the_api(self, client: Client) -> None:
        samples = client.get(f"{API}?lang=en").json()["results"]
        sample = Interview.objects.get(slug="social-media-manager-ca-p3v8nd")

        page = client.get(f"/en/interviews/{sample.slug}/").content.decode()
        listing = client.get("/en/interviews/").content.decode()
        detail = client.get(f"{API}{sample.slug}/?lang=en").json()

        assert len(samples) == 3 and all(item["is_sample"] for item in samples)
        assert "Sample interview, written by the editors to show the format" in page
        assert listing.count('class="badge badge-sample"') == 3
        assert detail["sample_notice"].startswith("Sample interview")

    def test_an_interview_is_shown_in_the_language_it_was_written_in(self, client: Client) -> None:
        french = approved(language="fr", advice="Écrivez la charte avant d'en avoir besoin.")

        page = client.get(f"/en/interviews/{french.slug}/").content.decode()

        assert "This interview was written in French." in page
        assert '<dd lang="fr"><p>Écrivez la charte avant d&#x27;en avoir besoin.</p></dd>' in page
        assert "What would you advise someone starting out?" in page


@pytest.mark.django_db
class TestModeration:
    ADMIN = "/en/admin/interviews"

    def test_the_queue_lists_pending_interviews_only(self, client: Client) -> None:
        client.force_login(EditorFactory())
        pending = submitted(display_name="In the queue")
        approved(display_name="Already out")

        page = client.get(f"{self.ADMIN}/pendinginterview/").content.decode()

        assert "In the queue" in page and "Already out" not in page
        assert f"/pendinginterview/{pending.pk}/change/" in page

    def test_editors_approve_in_bulk_and_each_interview_gets_a_slug(self, client: Client) -> None:
        editor = EditorFactory()
        client.force_login(editor)
        first, second = submitted(), submitted(role="moderator")

        response = client.post(
            f"{self.ADMIN}/interview/",
            {"action": "approve", "_selected_action": [first.pk, second.pk], "reason": ""},
            follow=True,
        )

        assert "2 interviews approved." in response.content.decode()
        first.refresh_from_db()
        second.refresh_from_db()
        assert (first.state, second.state) == ("approved", "approved")
        assert first.slug.startswith("community-manager-fr-")
        assert second.slug.startswith("moderator-fr-")
        assert first.slug != second.slug
        assert first.reviewed_by == editor and first.reviewed_at is not None

    def test_a_bulk_rejection_needs_a_reason(self, client: Client) -> None:
        client.force_login(EditorFactory())
        interview = submitted()

        refused = client.post(
            f"{self.ADMIN}/interview/",
            {"action": "reject", "_selected_action": [interview.pk], "reason": "  "},
            follow=True,
        )
        interview.refresh_from_db()
        assert interview.state == "pending"
        assert "Give a reason to reject interviews: nothing was rejected." in (
            refused.content.decode()
        )

        done = client.post(
            f"{self.ADMIN}/interview/",
            {"action": "reject", "_selected_action": [interview.pk], "reason": "Advertising."},
            follow=True,
        )
        interview.refresh_from_db()
        assert "1 interview rejected." in done.content.decode()
        assert (interview.state, interview.rejection_reason) == ("rejected", "Advertising.")

    def test_an_editor_fixes_a_typo_then_approves_from_the_interview_page(
        self, client: Client
    ) -> None:
        client.force_login(EditorFactory())
        interview = submitted(advice="Wrte your charter.")
        form = (
            client.get(f"{self.ADMIN}/interview/{interview.pk}/change/").context["adminform"].form
        )
        data = {name: form.initial.get(name) or "" for name in form.fields}
        data.update(advice="Write your charter.", _approve="Save and approve")

        response = client.post(f"{self.ADMIN}/interview/{interview.pk}/change/", data, follow=True)

        interview.refresh_from_db()
        assert "The interview is approved and published." in response.content.decode()
        assert interview.state == "approved" and interview.slug
        assert interview.advice == "Write your charter."
        assert interview.display_name == "Alex"  # editors fix typos, not who wrote it
        assert client.get(f"/en/interviews/{interview.slug}/").status_code == 200

    def test_the_preview_shows_a_pending_interview_to_editors_only(self, client: Client) -> None:
        interview = submitted(display_name="Preview Pat")
        url = f"{self.ADMIN}/interview/{interview.pk}/preview/"

        assert client.get(url).status_code == 302  # to the login page
        client.force_login(EditorFactory())
        page = client.get(url).content.decode()

        assert "Preview for editors: this interview is pending." in page
        assert "Readers cannot see it." in page
        assert "Preview Pat" in page
