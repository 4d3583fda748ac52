"""The cohort lookups answered again from a worker's memory (`present.api.answer_memo`).

Outside a transaction, as under gunicorn (a test runs inside one, where the
memo is never used): `lookup.in_transaction` is patched for these tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.http import HttpResponse
from django.test import Client

from benchmarks.present.api import views
from benchmarks.present.api.answer_memo import AnswerMemo, answer_memo
from benchmarks.read import lookup
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published

pytestmark = pytest.mark.django_db
published = api_fixtures.published

API = "/api/v1/benchmarks"


@pytest.fixture
def as_a_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(lookup, "in_transaction", lambda: False)
    lookup.forget_published_snapshot()
    yield
    lookup.forget_published_snapshot()


def whole(response: HttpResponse) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, sorted(response.headers.items()), response.content


@pytest.mark.parametrize(
    ("path", "query", "is_published"),
    [
        ("day-rates/", {"experience": "6-9", "region": "FR-BRE"}, True),
        ("salaries/", {"experience": "3-5", "basis": "base"}, True),
        # Unpublished: DRF's Response, rendered when kept.
        ("salaries/", {"region": "FR-20R", "education": "doctorate"}, False),
    ],
)
def test_a_repeated_query_gets_the_same_bytes_and_headers_from_memory(
    published: Published,
    as_a_worker: None,
    client: Client,
    django_assert_num_queries,
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    query: dict[str, str],
    is_published: bool,
) -> None:
    first = client.get(f"{API}/{path}", query)
    assert first.status_code == 200
    assert first.json()["published"] is is_published
    assert len(answer_memo._answers) == 1

    # Served from memory: DRF's view is not reached again.
    def not_reached(*args: object, **kwargs: object) -> None:
        raise AssertionError("the second request went through DRF's view")

    monkeypatch.setattr(views.CohortView, "answer", not_reached)
    with django_assert_num_queries(0):
        again = client.get(f"{API}/{path}", query)

    assert whole(again) == whole(first)
    assert {"ETag", "Last-Modified", "Cache-Control"} <= set(again.headers)


def test_the_two_endpoints_do_not_share_answers(
    published: Published, as_a_worker: None, client: Client
) -> None:
    query = {"experience": "3-5"}
    salaries = client.get(f"{API}/salaries/", query)
    day_rates = client.get(f"{API}/day-rates/", query)

    assert client.get(f"{API}/day-rates/", query).content == day_rates.content
    assert client.get(f"{API}/salaries/", query).content == salaries.content
    assert salaries.json()["unit"] != day_rates.json()["unit"]


def test_each_request_is_counted_once_whichever_path_answers(
    published: Published, as_a_worker: None, client: Client, settings
) -> None:
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon_read": "3/min"},
    }
    query = {"experience": "6-9"}
    # The first through DRF (counted in front of it, not again inside), two from memory.
    statuses = [client.get(f"{API}/day-rates/", query).status_code for _ in range(5)]

    assert statuses == [200, 200, 200, 429, 429]
    refused = client.get(f"{API}/day-rates/", query, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert refused.json()["detail"].startswith("Request was throttled")
    french = client.get(f"{API}/day-rates/", query, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["detail"].startswith("Requête ralentie")


def test_conditional_head_and_bad_requests_still_get_drf_s_answers(
    published: Published, as_a_worker: None, client: Client
) -> None:
    query = {"experience": "6-9"}
    first = client.get(f"{API}/day-rates/", query)

    not_modified = client.get(f"{API}/day-rates/", query, HTTP_IF_NONE_MATCH=first["ETag"])
    head = client.head(f"{API}/day-rates/", query)
    bad = client.get(f"{API}/day-rates/", {"experience": "old"})

    assert not_modified.status_code == 304 and not_modified.content == b""
    assert head.status_code == 200 and head["ETag"] == first["ETag"]
    assert bad.status_code == 400 and "ETag" not in bad
    assert len(answer_memo._answers) == 1  # only the 200 answer is kept


def test_a_snapshot_published_in_this_process_drops_the_kept_answers(
    published: Published, as_a_worker: None, client: Client
) -> None:
    client.get(f"{API}/day-rates/", {"experience": "6-9"})
    assert answer_memo._answers

    published.snapshot.save(update_fields=["notes"])  # post_save: the memos are forgotten

    assert not answer_memo._answers


def test_only_an_answer_of_the_snapshot_it_is_keyed_under_is_kept() -> None:
    memo = AnswerMemo(size=2)
    answer = HttpResponse(b"{}", content_type="application/json", headers={"ETag": '"4-1-10"'})

    memo.keep((1, '"4-1-10"', "DayRateView", "a=1"), answer)
    # Built under snapshot 2, answered from snapshot 1 (published meanwhile): not kept.
    memo.keep((2, '"4-2-20"', "DayRateView", "a=1"), answer)
    memo.keep((1, '"4-1-10"', "DayRateView", "a=2"), HttpResponse(status=400))

    assert list(memo._answers) == [(1, '"4-1-10"', "DayRateView", "a=1")]
    kept = memo.get((1, '"4-1-10"', "DayRateView", "a=1"))
    assert kept is not None and kept is not answer and kept.content == b"{}"


def test_the_memo_is_bounded_the_oldest_answer_going_first() -> None:
    memo = AnswerMemo(size=2)
    for number in range(3):
        etag = f'"4-1-{number}"'
        memo.keep((1, etag, "V", str(number)), HttpResponse(b"x", headers={"ETag": etag}))

    assert [key[3] for key in memo._answers] == ["1", "2"]
