"""What a worker keeps of the published snapshot between requests (benchmarks.read.lookup)."""

from __future__ import annotations

import pytest
from django.test import Client

from benchmarks.present.api import views
from benchmarks.read import lookup
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published

pytestmark = pytest.mark.django_db
published = api_fixtures.published

API = "/api/v1/benchmarks"


@pytest.fixture
def as_a_worker(monkeypatch: pytest.MonkeyPatch) -> object:
    """Outside a transaction, as under gunicorn (a test runs inside one); memos empty."""
    monkeypatch.setattr(lookup, "in_transaction", lambda: False)
    lookup.forget_published_snapshot()
    yield None
    lookup.forget_published_snapshot()


def test_a_worker_renders_a_cohorts_answer_once(
    published: Published, as_a_worker: object, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered = []
    render = views.JSON.render

    def counting_render(*arguments: object, **options: object) -> bytes:
        rendered.append(1)
        return render(*arguments, **options)

    monkeypatch.setattr(views.JSON, "render", counting_render)
    first = client.get(f"{API}/day-rates/", {"experience": "3-5"})
    again = client.get(f"{API}/day-rates/", {"experience": "3-5"})

    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(rendered) == 1


def test_a_breakdowns_cells_read_afresh_are_not_kept(
    published: Published, as_a_worker: object, client: Client
) -> None:
    response = client.get(f"{API}/salaries/breakdown/", {"by": "experience"})

    assert response.status_code == 200 and response.json()["levels"]
    assert lookup.cell_memo._entries == {}


def test_a_publish_in_this_process_forgets_what_was_kept(
    published: Published, as_a_worker: object, client: Client
) -> None:
    client.get(f"{API}/salaries/", {"experience": "3-5"})
    assert lookup.cell_memo._entries

    published.snapshot.save(update_fields=["notes"])  # post_save, connected in ready()

    assert lookup.cell_memo._entries == {}
