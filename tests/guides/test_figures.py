"""The live-figure syntax: what parses, and what an editor is told when it does not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from guides.figures import FigureError, errors_in, parse, share_of, top_shares
from surveys import vocabulary as vocab


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are for editors in the admin's language; these tests read the English ones.
    with translation.override("en"):
        yield


def test_it_parses_a_figure_with_its_filters() -> None:
    figure = parse("salary.p50 role=community-manager experience=3-5")

    assert (figure.family, figure.stat, figure.metric) == ("salary", "p50", "salary")
    assert figure.country == "FR" and figure.year is None
    assert figure.filters == (("experience", "3-5"), ("role", "community-manager"))


def test_missions_read_the_freelancers_cohort_when_asked() -> None:
    assert parse("missions.top role=moderator").metric == "salary"
    assert parse("missions.top role=moderator status=freelance limit=2").metric == "day_rate"
    assert parse("missions.top status=freelance limit=2").limit == 2


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("salary.median", "Unknown figure name “salary.median”."),
        ("day_rate.under_250", "Unknown figure name “day_rate.under_250”."),
        ("missions.dancing", "Unknown figure name “missions.dancing”."),
        ("salary.p50 role=guru", "role: “guru” is not a code; allowed: community-manager, "),
        ("salary.p50 seniority=3-5", "Unknown filter “seniority”."),
        ("salary.p50 region=CH-GE", "region: “CH-GE” is not a code; allowed: FR-ARA, "),
        ("salary.p50 role", "“role” is not a filter: write key=value"),
        ("salary.p50 role=moderator role=social-care", "The filter role is given twice."),
        ("day_rate.p50 employer_type=agency", "Freelancers have no employer"),
        ("kpis.top limit=13", "limit must be a whole number from 1 to 12."),
        ("salary.p50 year=last", "year must be an edition"),
        ("", "An empty figure"),
    ],
)
def test_it_says_what_is_wrong_with_a_token(token: str, message: str) -> None:
    with pytest.raises(FigureError) as raised:
        parse(token)

    assert str(raised.value).startswith(message)


def test_a_region_of_the_figures_country_is_accepted() -> None:
    assert parse("salary.p50 country=CH region=CH-GE").filters == (("region", "CH-GE"),)


def test_errors_in_quotes_each_bad_token_and_skips_the_good_ones() -> None:
    markdown = "Median [[salary.p50 role=moderator]], top [[salary.p5O]] and [[kpis.top limit=0]]."

    errors = errors_in(markdown)

    assert len(errors) == 2
    assert errors[0].startswith("[[salary.p5O]]: Unknown figure name “salary.p5O”.")
    assert errors[1] == "[[kpis.top limit=0]]: limit must be a whole number from 1 to 12."


def test_shares_round_half_up_to_a_whole_percent() -> None:
    assert share_of(15, 93) == 16  # 100 * 15 / 93 = 16.13
    assert share_of(1, 8) == 13  # 12.5 -> 13
    assert share_of(0, 10) == 0


def test_top_shares_rank_by_share_then_vocabulary_order_and_skip_zeros() -> None:
    shares = {"content": [48, 29, 67], "animation": [48, 30, 66], "crisis": [74, 54, 87],
              "events": [0, 0, 14]}  # fmt: skip

    assert top_shares(shares, vocab.MISSIONS, limit=3) == [
        ("crisis", 74),
        ("animation", 48),
        ("content", 48),
    ]
    assert top_shares(shares, vocab.MISSIONS, limit=12)[-1] == ("content", 48)
