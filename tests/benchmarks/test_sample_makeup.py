"""Who answered: the sample's make-up from published cells, and the weighted medians."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from django.test import Client

from benchmarks.build import inputs
from benchmarks.build.snapshots import _fence, experience_bands, snapshot_build, snapshot_publish
from benchmarks.build.weighting import store_weighted_medians, weighted_medians
from benchmarks.layout import FENCE_K
from benchmarks.models import Cell, Metric, Snapshot, WeightedMedian
from benchmarks.read.lookup import cell_lookup
from benchmarks.read.sample import EMPLOYEE_DIMENSIONS, FREELANCE_DIMENSIONS, sample_makeup
from benchmarks.stats.outliers import MIN_LOG_IQR
from surveys import vocabulary as vocab
from surveys.models import ReferenceShare, SurveyResponse
from tests.answers import forget_everything, store_answers

pytestmark = pytest.mark.django_db

YEAR = 2026
SEED = importlib.import_module("surveys.migrations.0013_reference_share")


def _seed_reference() -> None:
    """The migration's French reference (a flushed test database may have lost it)."""
    for country, dimension, level, share, year in SEED.SHARES:
        ReferenceShare.objects.update_or_create(
            country=country,
            dimension=dimension,
            year=year,
            level=level,
            defaults={"share": Decimal(share), "source": "INSEE", "source_url": SEED._URL},
        )


@pytest.fixture(scope="module")
def snapshot(django_db_setup: None, django_db_blocker) -> Iterator[Snapshot]:  # type: ignore[no-untyped-def]
    """France and Belgium in one edition; French employers spread over every size."""
    with django_db_blocker.unblock():
        forget_everything()
        _seed_reference()
        store_answers(600, seed=41, year=YEAR, freelance_share=0.25)
        store_answers(45, seed=42, year=YEAR, country="BE", freelance_share=0.3)
        # The random answers use three sizes only: spread French employees over all five.
        sizes = vocab.EMPLOYER_SIZE.codes
        for answer in SurveyResponse.objects.filter(country="FR", status="employee"):
            answer.employer_size = sizes[answer.pk % len(sizes)]
            answer.save(update_fields=["employer_size"])
        published = snapshot_publish()
    try:
        yield published
    finally:
        with django_db_blocker.unblock():
            forget_everything()


def _published_n(snapshot: Snapshot, metric: str, country: str, **filters: str) -> int | None:
    cell = cell_lookup(
        snapshot=snapshot, metric=metric, country=country, year=YEAR, filters=filters
    )
    return None if cell is None else cell.n


def test_every_count_is_the_published_perturbed_n_of_its_cell(snapshot: Snapshot) -> None:
    makeup = sample_makeup(snapshot, year=YEAR)

    assert [sample.country for sample in makeup.countries] == ["FR", "BE"]
    for sample in makeup.countries:
        assert dict(sample.by_dimension["status"]) == {
            "employee": _published_n(snapshot, Metric.SALARY, sample.country),
            "freelance": _published_n(snapshot, Metric.DAY_RATE, sample.country),
        }
        for dimension in EMPLOYEE_DIMENSIONS:
            for code, n in sample.by_dimension[dimension]:
                assert n == _published_n(
                    snapshot, Metric.SALARY, sample.country, **{dimension: code}
                )
        for dimension in FREELANCE_DIMENSIONS:
            for code, n in sample.freelance_by_dimension[dimension]:
                assert n == _published_n(
                    snapshot, Metric.DAY_RATE, sample.country, **{dimension: code}
                )
    france = makeup.country("FR")
    assert france is not None and france.currency == "EUR"
    assert [code for code, _n in france.by_dimension["region"]] == list(
        vocab.REGIONS_BY_COUNTRY["FR"].codes
    )


def test_a_level_that_is_not_published_has_no_number(snapshot: Snapshot) -> None:
    makeup = sample_makeup(snapshot, year=YEAR)
    hidden = [
        (sample.country, dimension, code)
        for sample in makeup.countries
        for dimension, levels in sample.by_dimension.items()
        for code, n in levels
        if n is None
    ]
    assert hidden, "the data should leave some level unpublished"
    for country, dimension, code in hidden:
        if dimension != "status":
            assert not Cell.objects.filter(
                snapshot=snapshot,
                metric=Metric.SALARY,
                country=country,
                year=YEAR,
                **{dimension: code},
            ).exists()
    # Every published count is at least MIN_COHORT (a published cell never shows fewer).
    counts = [
        n
        for sample in makeup.countries
        for levels in sample.by_dimension.values()
        for _c, n in levels
    ]
    assert min(n for n in counts if n is not None) >= 10


def _fenced_employees(country: str) -> pd.DataFrame:
    """The answers the build keeps, selected again: accepted, inside the log-IQR fences."""
    rows = pd.DataFrame(
        SurveyResponse.objects.filter(
            country=country, edition__year=YEAR, state=SurveyResponse.State.ACCEPTED
        ).values("status", "employer_size", "total_fte", "day_rate")
    )
    rows["value"] = np.where(rows["status"] == "freelance", rows["day_rate"], rows["total_fte"])
    kept = []
    for _status, group in rows.groupby("status"):
        logs = np.log(group["value"].to_numpy(dtype=float))
        q1, q3 = np.percentile(logs, [25, 75])
        spread = FENCE_K * max(q3 - q1, MIN_LOG_IQR)
        kept.append(group[(logs >= q1 - spread) & (logs <= q3 + spread)])
    frame = pd.concat(kept)
    return frame[frame["status"] == "employee"]


def _independent_weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The documented definition, integrated numerically: the mean of the step function
    y(t) (each answer spread over its weight) over [h, h + 1], h = (W - 1) / 2."""
    order = np.argsort(values)
    values, weights = values[order], weights[order]
    edges = np.cumsum(weights)
    start = (edges[-1] - 1) / 2
    points = start + (np.arange(200_000) + 0.5) / 200_000  # midpoints of the unit window
    return float(values[np.searchsorted(edges, points, side="right")].mean())


def test_the_weighted_median_equals_an_independent_computation(snapshot: Snapshot) -> None:
    employees = _fenced_employees("FR")
    # INSEE's SMEs cover small and medium employers: one stratum.
    strata = employees["employer_size"].replace({"small": "sme", "medium": "sme"}).to_numpy()
    reference = {"micro": 0.1883, "sme": 0.2990, "intermediate": 0.2509, "large": 0.2618}
    n = len(strata)
    sample_share = {code: np.mean(strata == code) for code in reference}
    weights = np.array([reference[code] / sample_share[code] for code in strata])
    values = employees["total_fte"].to_numpy(dtype=float)

    stored = sample_makeup(snapshot, year=YEAR).country("FR")
    assert stored is not None and stored.weighted is not None
    weighted = stored.weighted

    assert weighted.published and weighted.dimensions == ("employer_size",)
    assert weighted.weighted_p50 == round(_independent_weighted_median(values, weights) / 100) * 100
    assert weighted.unweighted_p50 == round(np.median(values) / 100) * 100
    assert weighted.effective_n == round(weights.sum() ** 2 / (weights**2).sum())
    assert weights.sum() == pytest.approx(n)
    assert weighted.reference_url.startswith("https://www.insee.fr/")
    # The unweighted median is the published overall cell's.
    overall = cell_lookup(snapshot=snapshot, metric=Metric.SALARY, country="FR", year=YEAR)
    assert overall is not None and weighted.unweighted_p50 == overall.p50
    # No reference for Belgium: no weighted figure at all.
    belgium = sample_makeup(snapshot, year=YEAR).country("BE")
    assert belgium is not None and belgium.weighted is None


def _frame(sizes: dict[str, int], *, country: str = "FR", year: int = YEAR) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = [
        {"year": year, "country": country, "status": "employee", "employer_size": size}
        for size, count in sizes.items()
        for _ in range(count)
    ]
    frame = pd.DataFrame(rows)
    frame["total_fte"] = rng.integers(28_000, 60_000, size=len(frame)).astype(float)
    return frame


def test_no_weighted_median_when_a_stratum_has_fewer_than_10_answers(db: None) -> None:
    _seed_reference()
    # micro has 9 answers: the weighted median would lean on 9 people.
    frame = _frame({"micro": 9, "small": 20, "medium": 5, "intermediate": 15, "large": 30})

    (release,) = weighted_medians(frame)

    assert not release.published and release.reason == "thin_stratum"
    assert release.weighted_p50 is release.unweighted_p50 is release.effective_n is None
    # small (20) + medium (5) make one INSEE stratum of 25: medium alone may be small.
    (release,) = weighted_medians(
        _frame({"micro": 10, "small": 20, "medium": 5, "intermediate": 15, "large": 30})
    )
    assert release.published and release.weighted_p50 is not None


def test_a_country_with_a_reference_gets_a_row_even_with_no_employee(db: None) -> None:
    _seed_reference()
    frame = _frame({"micro": 30}, country="BE")

    (release,) = weighted_medians(frame)

    assert (release.country, release.published, release.reason) == ("FR", False, "thin_cohort")
    assert release.weighted_p50 is None


def test_a_median_published_from_a_few_answers_less_is_carried(db: None) -> None:
    _seed_reference()
    sizes = {"micro": 12, "small": 12, "medium": 12, "intermediate": 12, "large": 12}
    first = Snapshot.objects.create(status=Snapshot.Status.PUBLISHED)
    store_weighted_medians(first, weighted_medians(_frame(sizes)), previous=None, years=None)
    Snapshot.objects.filter(pk=first.pk).update(published_at=first.created_at)
    before = WeightedMedian.objects.get(snapshot=first)

    (release,) = weighted_medians(_frame({**sizes, "large": 15}))  # 3 more answers

    assert release.carried and release.true_n == before.true_n == 60
    assert release.weighted_p50 == before.weighted_p50
    (release,) = weighted_medians(_frame({**sizes, "large": 22}))  # 10 more
    assert not release.carried and release.true_n == 70


@pytest.mark.parametrize(
    ("path", "texts"),
    [
        (
            "/methodology/",
            ("Qui a répondu", "non publié", "taille effective", "https://www.insee.fr/"),
        ),
        (
            "/en/methodology/",
            ("Who answered", "not published", "Effective sample size", "https://www.insee.fr/"),
        ),
    ],
)
def test_the_methodology_page_shows_who_answered(
    client: Client, snapshot: Snapshot, path: str, texts: tuple[str, ...]
) -> None:
    html = client.get(path).content.decode()
    section = html.split('id="who-answered"', 1)[1].split('id="demo"', 1)[0]

    makeup = sample_makeup(snapshot, year=YEAR)
    france = makeup.country("FR")
    assert france is not None and france.weighted is not None
    employees = dict(france.by_dimension["status"])["employee"]
    assert employees is not None
    french = path.startswith("/methodology")
    separator = "\xa0" if french else ","  # French groups thousands with a no-break space
    written = f"{employees:,}".replace(",", separator)
    assert f"<td>{written}</td>" in section
    euro = france.weighted.weighted_p50
    assert euro is not None
    money = f"{euro:,}".replace(",", "\xa0") + "\xa0€" if french else f"€{euro:,}"
    assert money in section
    if path.startswith("/en/"):
        assert "self-selected" in section
    for text in texts:
        # French msgids are translated by the lead; the English source always shows.
        if path.startswith("/en/") or text.startswith("https"):
            assert text in section


def test_a_reference_level_must_name_codes_of_its_dimension(db: None) -> None:
    from django.core.exceptions import ValidationError

    reference = ReferenceShare(
        country="FR", dimension="employer_size", level="small|tiny", share=Decimal("0.3"), year=2017
    )
    with pytest.raises(ValidationError, match="tiny"):
        reference.clean()
    reference.level = "small|medium"
    reference.clean()
    assert reference.codes() == ("small", "medium")


def test_the_build_weights_each_edition_as_one_pass_over_its_fenced_answers(db: None) -> None:
    """The build weighs each country-edition on its employees' own process; the releases are
    those of `weighted_medians` over every fenced answer, a thin one where an edition has
    no French employee at all."""
    _seed_reference()
    store_answers(300, seed=43, year=YEAR, freelance_share=0.25)
    store_answers(40, seed=44, year=YEAR - 1, freelance_share=1.0)

    result = snapshot_build(previous=None, progress=None)

    frame = inputs.responses_frame()
    frame["experience"] = experience_bands(frame["experience_years"])
    kept, _fenced = _fence(frame)
    assert result.weighted == weighted_medians(kept)
    assert [(release.year, release.reason) for release in result.weighted] == [
        (YEAR - 1, "thin_cohort"),
        (YEAR, ""),
    ]
    assert result.weighted[1].published and result.weighted[1].weighted_p50 is not None
