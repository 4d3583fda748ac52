"""Trends: the change between editions with its 95 % interval, nominal and in constant money.

The expected figures are computed here, independently of `benchmarks.stats.trends`,
from what the API publishes for each edition (median, its 95 % interval, the
perturbed n) and from the price indices the migration seeds (FR 2025 100.9,
2026 101.9):

    l    = largest rank with P(K <= l - 1) <= 0.025, K ~ Binomial(n, 1/2) (exact, math.comb)
    c    = 1 - 2 P(K <= l - 1)                      exact coverage of [x_(l), x_(n-l+1)]
    z_c  = Phi^-1((1 + c) / 2)
    se   = (high - low) / (2 z_c)                   per edition, money
    f    = 101.9 / 100.9                            constant money (1 for nominal)
    d    = m2 - f m1,  SE = sqrt(se2^2 + (f se1)^2), interval d -+ 1.959964 SE
    r    = log m2 - log(f m1), SE_r = sqrt(se_log1^2 + se_log2^2), percent 100 (e^(r -+ z SE_r) - 1)

Money is rounded to 100 (salaries, DESIGN.md rule 4), percents to 0.1.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from django.test import Client
from scipy import stats

from surveys.models import PriceIndex
from tests.benchmarks import api_fixtures
from tests.benchmarks.api_fixtures import Published
from tests.expected import published_money
from tests.factories import EditorFactory

published = api_fixtures.published

API = "/api/v1/benchmarks"
MINUS = "\u2212"
NBSP = "\u00a0"
Z95 = float(stats.norm.ppf(0.975))  # 1.959964


def _lower_rank(n: int) -> int:
    """Largest l with P(K <= l - 1) <= 0.025, K ~ Binomial(n, 1/2), in exact integers.

    (1 when even P(K <= 0) is above 0.025: the full range, n <= 5.)
    """
    total = 2**n
    below = 0  # sum of C(n, j) for j <= k
    rank = 1
    for k in range(n):
        below += math.comb(n, k)
        if 40 * below > total:  # P(K <= k) > 0.025: l - 1 = k is one too far
            break
        rank = k + 1  # l - 1 = k still fits
    return rank


def _critical_value(n: int) -> float:
    rank = _lower_rank(n)
    tail = sum(math.comb(n, k) for k in range(rank)) / 2**n  # P(K <= l - 1)
    coverage = 1 - 2 * tail
    return float(stats.norm.ppf(0.5 + coverage / 2))


def expected_change(
    earlier: dict[str, Any], later: dict[str, Any], factor: float
) -> dict[str, Any]:
    """The published change between two editions of the API's answer, computed by hand."""
    m1, (lo1, hi1), n1 = earlier["median"], earlier["median_ci95"], earlier["n"]
    m2, (lo2, hi2), n2 = later["median"], later["median_ci95"], later["n"]
    z1, z2 = _critical_value(n1), _critical_value(n2)
    se1, se2 = (hi1 - lo1) / (2 * z1), (hi2 - lo2) / (2 * z2)
    change = m2 - factor * m1
    se = math.sqrt(se2**2 + (factor * se1) ** 2)
    se_log = math.sqrt(
        (math.log(hi1 / lo1) / (2 * z1)) ** 2 + (math.log(hi2 / lo2) / (2 * z2)) ** 2
    )
    ratio = math.log(m2 / (factor * m1))
    low, high = change - Z95 * se, change + Z95 * se
    return {
        "absolute": published_money(change, 100),
        "absolute_ci95": [published_money(low, 100), published_money(high, 100)],
        "percent": round(100 * np.expm1(ratio), 1),
        "percent_ci95": [
            round(100 * np.expm1(ratio - Z95 * se_log), 1),
            round(100 * np.expm1(ratio + Z95 * se_log), 1),
        ],
        "clear": published_money(low, 100) > 0 or published_money(high, 100) < 0,
    }


def _trend(client: Client) -> dict[str, Any]:
    response = client.get(f"{API}/trends/")
    assert response.status_code == 200
    return response.json()


def _money_en(amount: int) -> str:
    sign = "+" if amount > 0 else MINUS if amount < 0 else ""
    return f"{sign}€{abs(amount):,}"


def test_the_api_gives_each_change_its_interval_in_nominal_and_constant_money(
    published: Published, client: Client, db: None
) -> None:
    body = _trend(client)
    earlier, later = body["editions"]  # FR 2025 (300 answers) and 2026 (600)
    (change,) = body["changes"]
    factor = 101.9 / 100.9  # seeded FR price indices, 2026 / 2025 = 1.00991

    nominal = expected_change(earlier, later, 1.0)
    constant = expected_change(earlier, later, factor)

    assert change["absolute"] == later["median"] - earlier["median"] == nominal["absolute"]
    assert change["absolute_ci95"] == nominal["absolute_ci95"]
    assert change["percent"] == nominal["percent"]
    assert change["percent_ci95"] == nominal["percent_ci95"]
    assert change["clear"] is nominal["clear"]
    assert change["constant_money"] == {"price_factor": round(factor, 4), **constant}
    # Prices rose, so the real change is the nominal one less about 1 % of the 2025 median.
    assert constant["absolute"] < nominal["absolute"]


def test_the_interval_of_a_change_is_wider_than_either_editions_own_half_width(
    published: Published, client: Client, db: None
) -> None:
    body = _trend(client)
    earlier, later = body["editions"]
    low, high = body["changes"][0]["absolute_ci95"]
    # Var(d) = se1^2 + se2^2 > each alone: the change's half-width exceeds each edition's
    # (up to the 1.96 / z_c factor and rounding to 100).
    for edition in (earlier, later):
        lo, hi = edition["median_ci95"]
        assert (high - low) / 2 >= (hi - lo) / 2 * Z95 / _critical_value(edition["n"]) - 100


def test_the_trends_page_writes_the_change_with_its_interval_and_says_when_it_is_unclear(
    published: Published, client: Client, db: None
) -> None:
    body = _trend(client)
    earlier, later = body["editions"]
    nominal = expected_change(earlier, later, 1.0)
    constant = expected_change(earlier, later, 101.9 / 100.9)

    html = client.get("/en/benchmarks/trends/").content.decode()

    low, high = nominal["absolute_ci95"]
    assert (
        f"{_money_en(nominal['absolute'])} (95% interval {_money_en(low)} to {_money_en(high)})"
        in html
    )
    low, high = constant["absolute_ci95"]
    assert f"In constant money (2026 prices): {_money_en(constant['absolute'])}," in html
    assert f"(95% interval {_money_en(low)} to {_money_en(high)})" in html
    unclear = "no clear change: the interval includes 0, so the difference may be noise."
    assert (unclear in html) is (not nominal["clear"] or not constant["clear"])
    assert "Constant money not shown" not in html


def test_without_a_price_index_the_constant_money_is_left_out_and_the_page_says_so(
    published: Published, client: Client, db: None
) -> None:
    PriceIndex.objects.filter(country="FR", year=2025).delete()

    change = _trend(client)["changes"][0]
    html = client.get("/en/benchmarks/trends/").content.decode()

    assert change["constant_money"] is None
    assert "absolute_ci95" in change  # the nominal change keeps its interval
    assert "In constant money (" not in html
    assert (
        "Constant money not shown: no consumer price index for 2025 or 2026 in this country."
        in html
    )


def test_a_french_reader_gets_french_typography(
    published: Published, client: Client, db: None
) -> None:
    body = _trend(client)
    nominal = expected_change(*body["editions"], 1.0)

    html = client.get("/benchmarks/trends/").content.decode()

    # A no-break space before the colon; the amount after its sign, "+800 €" with no-break spaces.
    assert "2025 → 2026</strong>&nbsp;:" in html
    amount = nominal["absolute"]
    sign = "+" if amount > 0 else MINUS if amount < 0 else ""
    assert sign + f"{abs(amount):,}".replace(",", NBSP) + f"{NBSP}€" in html


# --- The index as data ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "year", "value"),
    [
        ("FR", 2025, "100.900"),
        ("BE", 2026, "105.000"),
        ("CH", 2024, "100.000"),
        ("CA", 2025, "102.000"),
    ],
)
def test_the_migration_seeds_sourced_indices_for_four_countries(
    db: None, country: str, year: int, value: str
) -> None:
    index = PriceIndex.objects.get(country=country, year=year)

    assert index.value == Decimal(value)
    assert "https://" in index.source
    assert "approchée" in index.source  # the seed says it is approximate


def test_the_seed_covers_2024_to_2026_for_fr_be_ch_ca_and_nothing_else(db: None) -> None:
    seeded = sorted(PriceIndex.objects.values_list("country", "year"))

    assert seeded == sorted((c, y) for c in ("FR", "BE", "CH", "CA") for y in (2024, 2025, 2026))


ADMIN = "/en/admin/surveys/priceindex"


def test_an_editor_adds_and_edits_a_price_index_in_the_admin(client: Client, db: None) -> None:
    client.force_login(EditorFactory())
    source = "STATEC, indice des prix à la consommation — https://statistiques.public.lu"

    added = client.post(
        f"{ADMIN}/add/", {"country": "LU", "year": 2026, "value": "103.100", "source": source}
    )
    assert added.status_code == 302
    index = PriceIndex.objects.get(country="LU", year=2026)
    assert index.value == Decimal("103.100")

    edited = client.post(
        f"{ADMIN}/{index.pk}/change/",
        {"country": "LU", "year": 2026, "value": "103.4", "source": source},
    )
    assert edited.status_code == 302
    index.refresh_from_db()
    assert index.value == Decimal("103.400")

    listing = client.get(f"{ADMIN}/", {"country__exact": "LU"}).content.decode()
    assert "2026" in listing and "2,026" not in listing
    assert "103.400" in listing


def test_the_admin_refuses_a_second_index_for_the_same_country_and_year(
    client: Client, db: None
) -> None:
    client.force_login(EditorFactory())

    response = client.post(
        f"{ADMIN}/add/", {"country": "FR", "year": 2025, "value": "101", "source": "INSEE"}
    )

    assert response.status_code == 200  # the form again, with the error
    assert PriceIndex.objects.get(country="FR", year=2025).value == Decimal("100.900")


def test_the_admin_refuses_a_zero_index(client: Client, db: None) -> None:
    client.force_login(EditorFactory())

    response = client.post(
        f"{ADMIN}/add/", {"country": "LU", "year": 2025, "value": "0", "source": "STATEC"}
    )

    assert response.status_code == 200
    assert not PriceIndex.objects.filter(country="LU").exists()


@pytest.mark.parametrize(
    ("low", "high", "clear"),
    [(-800, 2_400, False), (0, 1_200, False), (100, 1_200, True), (-1_500, -100, True)],
)
def test_a_change_is_clear_only_when_its_published_interval_leaves_out_0(
    low: int, high: int, clear: bool
) -> None:
    from benchmarks.read.answers import ChangeInterval

    change = ChangeInterval(
        absolute=(low + high) // 2, low=low, high=high, percent=0, percent_low=0, percent_high=0
    )

    assert change.clear is clear
