"""GET /api/v1/vocabulary/: every code with its French and English labels."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from surveys import vocabulary as vocab

Vocabulary = dict[str, Any]


@pytest.fixture
def vocabulary(client: Client) -> Vocabulary:
    response = client.get("/api/v1/vocabulary/")
    assert response.status_code == 200
    payload: Vocabulary = response.json()
    return payload


def test_it_lists_every_code_of_every_vocabulary_with_both_labels(vocabulary: Vocabulary) -> None:
    for name, terms in vocab.ALL.items():
        listed = [(row["code"], row["labels"]) for row in vocabulary[name]]
        assert listed == [(term.code, {"fr": term.fr, "en": term.en}) for term in terms], name


def test_it_gives_real_labels_in_both_languages(vocabulary: Vocabulary) -> None:
    employee = vocabulary["status"][0]

    assert employee == {"code": "employee", "labels": {"fr": "Salarié·e", "en": "Employee"}}
    assert vocabulary["education"][-1]["labels"] == {"fr": "Doctorat", "en": "Doctorate"}


def test_it_gives_the_year_bounds_of_each_experience_band(vocabulary: Vocabulary) -> None:
    bounds = [(row["code"], row["min_years"], row["max_years"]) for row in vocabulary["experience"]]

    assert bounds == [("0-2", 0, 2), ("3-5", 3, 5), ("6-9", 6, 9), ("10+", 10, None)]


def test_it_gives_the_currency_of_each_country(vocabulary: Vocabulary) -> None:
    assert vocabulary["currency_by_country"] == {
        "FR": "EUR",
        "BE": "EUR",
        "LU": "EUR",
        "CH": "CHF",
        "CA": "CAD",
    }
    assert [(row["code"], row["currency"]) for row in vocabulary["country"]] == [
        ("FR", "EUR"),
        ("BE", "EUR"),
        ("CH", "CHF"),
        ("LU", "EUR"),
        ("CA", "CAD"),
    ]


def test_it_groups_regions_by_country(vocabulary: Vocabulary) -> None:
    by_country = vocabulary["regions_by_country"]

    assert list(by_country) == ["FR", "BE", "CH", "LU", "CA"]
    assert {"code": "CA-QC", "labels": {"fr": "Québec", "en": "Quebec"}} in by_country["CA"]
    assert len(by_country["FR"]) == 18
    assert sum(len(regions) for regions in by_country.values()) == len(vocabulary["region"])
    idf = next(row for row in vocabulary["region"] if row["code"] == "FR-IDF")
    assert idf["country"] == "FR"


def test_it_may_be_cached_by_clients(client: Client) -> None:
    response = client.get("/api/v1/vocabulary/")

    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Content-Type"] == "application/json"
