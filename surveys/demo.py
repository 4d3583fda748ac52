"""Synthetic survey answers shaped like the field's published figures, marked `source="demo"`.

`demo_frame` draws a whole sample at once with numpy (a million rows in a few
seconds) and returns it in the column layout `surveys.bulk.store_responses`
takes, with "edition" (the year) in place of "edition_id", which the caller
maps to its database ids. Every row is a valid answer by `surveys.validation`
and carries the FTE figures, flags and state `services.response_build` would
give it, computed by the same rules (`surveys.rules.fte`, `surveys.rules.flags`),
so demo rows go through the same benchmarks as real ones.

The shape follows published surveys of French community managers (the
constants below). A small share of deliberate outliers (a monthly salary typed
as an annual one, an hourly rate typed as a day rate, an extra zero) gives the
stage-1 flags and the snapshot's outlier fences something to catch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from statistics import NormalDist

import numpy as np
import pandas as pd

from surveys import vocabulary as vocab
from surveys.bulk import record_keys
from surveys.rules import flags, fte
from surveys.rules.legal_minimums import LegalMinimumTable, default_table, minimums_in_force

# --- Targets, from published surveys of French community managers -----------------
# Money in EUR for France, for the latest edition (earlier editions are deflated
# by SALARY_GROWTH_PER_YEAR); salaries are gross annual totals (base + variable),
# full-time equivalent, of employees.
FR_MEAN_SALARY = 29_000
IDF_PREMIUM = 5_000  # Île-de-France over the other French regions
LARGE_OVER_MICRO = 12_000  # employers of 5,000+ over employers of 1-9
SALARY_GROWTH_PER_YEAR = 0.02
# Mean salaries of employees abroad, in the country's own currency.
COUNTRY_MEAN_SALARY = {"FR": FR_MEAN_SALARY, "BE": 38_000, "CH": 75_000, "CA": 50_000}
# Trainees (internships, apprenticeships) are paid trainee wages, EUR per year in France.
TRAINEE_PAY_RANGE = (7_000, 14_000)
# Freelancers: about 44% bill under 200 EUR a day. Day rates are log-normal given
# experience (median DAY_RATE_START at 0 years, rising by DAY_RATE_GROWTH_EARLY a
# year over the first three years, then by DAY_RATE_GROWTH_LATER up to 15 years),
# so the whole sample is right-skewed: about 42% under 200, median about 210. A
# single log-normal with a median of 220-250 and 44% under 200 would put a fifth of
# all freelancers under the 125 floor, where stage 1 flags them.
FREELANCE_UNDER_200_SHARE = 0.44
DAY_RATE_START = 152
DAY_RATE_GROWTH_EARLY = 0.13
DAY_RATE_GROWTH_LATER = 0.08
DAY_RATE_SIGMA = 0.12
BILLED_DAYS_MEAN = 150  # days a year, full time

SHARES = {
    # 15-20% freelancers, ~8% trainees.
    "status": {"employee": 0.74, "freelance": 0.18, "trainee": 0.08},
    # About 4% answer from Belgium, Switzerland and Canada (mostly Québec).
    "country": {"FR": 0.96, "BE": 0.016, "CH": 0.012, "CA": 0.012},
    # Bac+5 (master) is the most common degree, about half.
    "education": {
        "secondary": 0.03,
        "bac2": 0.09,
        "bac3": 0.23,
        "bac4": 0.13,
        "bac5": 0.51,
        "doctorate": 0.01,
    },
    "role": {
        "community-manager": 0.55,
        "social-media-manager": 0.22,
        "content-manager": 0.07,
        "community-lead": 0.05,
        "moderator": 0.03,
        "social-care": 0.03,
        "influence-manager": 0.03,
        "other": 0.02,
    },
    "employer_size": {
        "micro": 0.15,
        "small": 0.22,
        "medium": 0.23,
        "intermediate": 0.22,
        "large": 0.18,
    },
    "employer_type": {
        "brand": 0.30,
        "agency": 0.28,
        "media": 0.08,
        "public": 0.10,
        "nonprofit": 0.07,
        "startup": 0.12,
        "other": 0.05,
    },
    # The field is mostly women; "" is a skipped (optional) question.
    "gender": {"woman": 0.69, "man": 0.26, "nonbinary": 0.015, "undisclosed": 0.025, "": 0.01},
}
# Most practitioners have under 6 years in the job (~70%): completed years are drawn
# with P(y) proportional to exp(-y / scale), 0..EXPERIENCE_MAX; trainees have 0-2.
EXPERIENCE_SCALE = {"employee": 5.5, "freelance": 4.5}
TRAINEE_EXPERIENCE = (0.55, 0.35, 0.10)
EXPERIENCE_MAX = 40
PART_TIME_SHARE = 0.10  # of employees and freelancers; trainees work full time
PART_TIME_SHARES = {0.5: 0.2, 0.6: 0.1, 0.7: 0.15, 0.8: 0.4, 0.9: 0.15}

REGION_SHARES = {
    "FR": {
        "FR-IDF": 0.35,
        "FR-ARA": 0.11,
        "FR-NAQ": 0.08,
        "FR-OCC": 0.08,
        "FR-PAC": 0.07,
        "FR-HDF": 0.06,
        "FR-GES": 0.05,
        "FR-PDL": 0.05,
        "FR-BRE": 0.05,
        "FR-NOR": 0.03,
        "FR-CVL": 0.025,
        "FR-BFC": 0.02,
        "FR-20R": 0.003,
        "FR-971": 0.006,
        "FR-972": 0.005,
        "FR-973": 0.002,
        "FR-974": 0.008,
        "FR-976": 0.001,
    },
    "BE": {"BE-BRU": 0.5, "BE-WAL": 0.45, "BE-VLG": 0.05},
    # French-speaking Switzerland answers a French-language survey.
    "CH": {
        "CH-GE": 0.35,
        "CH-VD": 0.33,
        "CH-NE": 0.08,
        "CH-FR": 0.07,
        "CH-VS": 0.07,
        "CH-JU": 0.03,
        "CH-BE": 0.03,
        "CH-ZH": 0.04,
    },
    "CA": {"CA-QC": 0.88, "CA-ON": 0.08, "CA-NB": 0.04},
}

# The salary model, EUR a year for France in the latest edition: premiums added
# to a base, times a log-normal noise of mean 1. Paying the floor to the draws
# under it (see CUSTOMARY_FLOOR_SHARE) lifts the lowest salaries, which raises
# the mean and narrows the gaps: the model's figures sit above the targets so
# that the measured ones land on them (the tests measure them).
MODEL_MEAN_SALARY = 28_000  # before the floor; the base is solved from it
MODEL_IDF_PREMIUM = 6_100
SIZE_PREMIUM = {"micro": 0, "small": 2_700, "medium": 5_900, "intermediate": 9_600, "large": 14_800}
EDUCATION_PREMIUM = {
    "secondary": -1_000,
    "bac2": -800,
    "bac3": -300,
    "bac4": 0,
    "bac5": 500,
    "doctorate": 1_000,
}
ROLE_PREMIUM = {
    "community-manager": 0,
    "social-media-manager": 1_000,
    "content-manager": 300,
    "community-lead": 6_000,
    "moderator": -1_500,
    "social-care": -1_000,
    "influence-manager": 800,
    "other": 0,
}
TYPE_PREMIUM = {
    "brand": 600,
    "agency": -600,
    "media": 0,
    "public": -300,
    "nonprofit": -800,
    "startup": 300,
    "other": 0,
}
EXPERIENCE_PREMIUM_PER_YEAR = (700, 300)  # years 1-10, then years 11-25
SALARY_NOISE_SIGMA = 0.10  # log-normal, mean 1
# Nobody full time is paid under the legal minimum: draws under the floor are paid
# it plus 1-8%, the heap just above the minimum that real surveys show. The floor
# is the legal minimum or, where higher or where there is none (Switzerland), this
# share of the country's mean salary.
CUSTOMARY_FLOOR_SHARE = 0.75
VARIABLE_PAY_SHARE = 0.35  # of employees; variable is 3-15% of their total

# Missions and KPIs: the probability that an answer ticks each code, by role.
MISSION_PROBABILITY = {
    "animation": 0.85,
    "content": 0.88,
    "moderation": 0.62,
    "customer-care": 0.33,
    "paid-social": 0.40,
    "monitoring": 0.55,
    "analytics": 0.65,
    "strategy": 0.45,
    "influence": 0.30,
    "crisis": 0.06,
    "events": 0.25,
    "training": 0.08,
}
MISSION_BY_ROLE = {
    "community-lead": {"strategy": 0.90, "training": 0.35, "crisis": 0.20, "analytics": 0.80},
    "moderator": {"moderation": 0.98, "content": 0.40, "strategy": 0.10, "paid-social": 0.05},
    "social-care": {"customer-care": 0.97, "moderation": 0.85, "content": 0.35, "crisis": 0.12},
    "influence-manager": {"influence": 0.97, "events": 0.45},
    "content-manager": {"content": 0.98, "animation": 0.55},
    "social-media-manager": {"paid-social": 0.60, "strategy": 0.60, "analytics": 0.80},
}
KPI_PROBABILITY = {
    "reach": 0.62,
    "audience-growth": 0.55,
    "engagement": 0.90,
    "share-of-voice": 0.12,
    "sentiment": 0.22,
    "traffic": 0.45,
    "conversions": 0.28,
    "roi": 0.14,
    "response-time": 0.08,
    "satisfaction": 0.12,
}
KPI_BY_ROLE = {
    "social-care": {"response-time": 0.90, "satisfaction": 0.75, "sentiment": 0.50},
    "moderator": {"response-time": 0.40, "sentiment": 0.50},
    "community-lead": {"share-of-voice": 0.35, "roi": 0.40, "sentiment": 0.40},
    "influence-manager": {"reach": 0.90, "roi": 0.40, "conversions": 0.45},
}

JOB_TITLES = {
    "community-manager": (
        "Community manager",
        "Community manager junior",
        "Chargée de communication digitale",
        "Community manager senior",
    ),
    "social-media-manager": ("Social media manager", "Responsable réseaux sociaux"),
    "content-manager": ("Content manager", "Chargé de contenus éditoriaux"),
    "community-lead": ("Head of community", "Responsable social media"),
    "moderator": ("Modérateur", "Modératrice de contenus"),
    "social-care": ("Conseillère relation client réseaux sociaux", "Social care agent"),
    "influence-manager": ("Chargée d'influence", "Influence manager"),
    "other": ("Chargé de communication", "Chef de projet digital"),
}
JOB_TITLE_SHARE = 0.7  # job_title is optional

# Deliberate outliers, as shares of the status concerned.
MONTHLY_AS_ANNUAL_SHARE = 0.003  # employees: the monthly gross typed as the annual one
SALARY_EXTRA_ZERO_SHARE = 0.001  # employees: one zero too many
SALARY_FAR_ABOVE_SHARE = 0.001  # employees: 3.5 times their peers
HOURLY_AS_DAILY_SHARE = 0.008  # freelancers: the hourly rate typed as the day rate
DAY_RATE_EXTRA_ZERO_SHARE = 0.002  # freelancers: one zero too many

# Remote days a week and satisfaction (1-5), by status where it differs.
REMOTE_DAYS_SHARES = {
    "employee": (0.15, 0.22, 0.35, 0.18, 0.06, 0.04),
    "trainee": (0.30, 0.35, 0.25, 0.07, 0.02, 0.01),
    "freelance": (0.05, 0.05, 0.10, 0.15, 0.20, 0.45),
}
SATISFACTION_SHARES = (0.05, 0.13, 0.32, 0.37, 0.13)
SATISFACTION_PAY_WEIGHT = 0.35  # better paid than one's peers, a little happier

_STUDY_YEARS = {"secondary": 0, "bac2": 2, "bac3": 3, "bac4": 4, "bac5": 5, "doctorate": 8}
_AGE_BAND_STARTS = np.array([25, 35, 45, 55])  # lower bounds of the bands after "under-25"
_COUNTRIES = tuple(SHARES["country"])


def demo_frame(
    *,
    responses: int,
    seed: int,
    editions: Sequence[int],
    legal_minimums: LegalMinimumTable | None = None,
    until: date | None = None,
) -> pd.DataFrame:
    """`responses` synthetic answers spread evenly over the edition years, one row each.

    Deterministic: the same arguments give the same frame. `legal_minimums`
    is the table of legal minimums (`services.legal_minimum_table()`), each
    row held to its region's or country's as `services.legal_minimum_for`
    finds it; by default the figures a database starts with
    (`rules.legal_minimums.MINIMUMS`). Answers are
    submitted on a day of their edition's year, none after the day `until`
    (today, for the open edition), with no time of day (privacy rule 10).
    Columns: those of `surveys.bulk.RESPONSE_COLUMNS` that a new answer has,
    with "edition" (the year) in place of "edition_id"; codes are
    categoricals, nullable numbers pandas' Int64, `flags` lists of codes
    (shared between rows: do not mutate), `submitted_on` naive midnights,
    `record_key` drawn from the seeded generator like everything else.
    """
    if responses < 0:
        raise ValueError("responses must be zero or more")
    if not editions:
        raise ValueError("give at least one edition year")
    rng = np.random.default_rng(seed)
    n = responses
    years = np.array(sorted(set(editions)), dtype=np.int64)
    year_index = rng.integers(0, len(years), size=n)
    year = years[year_index]
    growth = (1 + SALARY_GROWTH_PER_YEAR) ** (year - years.max()).astype(np.float64)

    country = _choose(rng, SHARES["country"], n)
    region = np.zeros(n, dtype=np.int64)  # index into vocab.REGION.codes
    for i, code in enumerate(_COUNTRIES):
        here = country == i
        region[here] = _region_index(code)[_choose(rng, REGION_SHARES[code], int(here.sum()))]
    status = _choose(rng, SHARES["status"], n)
    employee = status == _index("status", "employee")
    freelance = status == _index("status", "freelance")
    trainee = status == _index("status", "trainee")
    salaried = ~freelance

    experience = np.zeros(n, dtype=np.int64)
    for name, spread in EXPERIENCE_SCALE.items():
        here = status == _index("status", name)
        weights = np.exp(-np.arange(EXPERIENCE_MAX + 1) / spread)
        experience[here] = rng.choice(EXPERIENCE_MAX + 1, size=int(here.sum()), p=_norm(weights))
    experience[trainee] = rng.choice(3, size=int(trainee.sum()), p=TRAINEE_EXPERIENCE)
    education = _choose(rng, SHARES["education"], n)
    role = _choose(rng, SHARES["role"], n)
    # A head of community has led others: juniors drawn as leads are community managers.
    junior_lead = (role == _index("role", "community-lead")) & (experience < 2)
    role[junior_lead] = _index("role", "community-manager")
    # Freelancers have no employer: index -1, stored as "".
    employer_size = np.where(salaried, _choose(rng, SHARES["employer_size"], n), -1)
    employer_type = np.where(salaried, _choose(rng, SHARES["employer_type"], n), -1)

    part_time = ~trainee & (rng.random(n) < PART_TIME_SHARE)
    part_time_values = np.array(list(PART_TIME_SHARES))
    work_time_share = np.where(part_time, part_time_values[_choose(rng, PART_TIME_SHARES, n)], 1.0)

    scale = _country_scales()[country]
    legal_minimum = np.nan_to_num(
        minimums_in_force(
            np.array(_COUNTRIES, dtype=object)[country],
            year,
            regions=np.array(vocab.REGION.codes, dtype=object)[region],
            table=default_table() if legal_minimums is None else legal_minimums,
        ),
        nan=0.0,
    )
    salary_noise = rng.standard_normal(n)

    # Employees: gross annual total, full-time equivalent, in the country's currency.
    total = (
        _salary_base()
        + _experience_premium(experience)
        + _premiums("employer_size", SIZE_PREMIUM)[employer_size]
        + np.where(region == vocab.REGION.codes.index("FR-IDF"), MODEL_IDF_PREMIUM, 0)
        + _premiums("education", EDUCATION_PREMIUM)[education]
        + _premiums("role", ROLE_PREMIUM)[role]
        + _premiums("employer_type", TYPE_PREMIUM)[employer_type]
    ) * (scale * growth * np.exp(SALARY_NOISE_SIGMA * salary_noise - SALARY_NOISE_SIGMA**2 / 2))
    country_mean = np.array([COUNTRY_MEAN_SALARY[c] for c in _COUNTRIES])[country]
    floor = np.maximum(legal_minimum, CUSTOMARY_FLOOR_SHARE * country_mean * growth)
    total = np.where(total < floor, floor * rng.uniform(1.01, 1.08, n), total)
    low, high = TRAINEE_PAY_RANGE
    total = np.where(trainee, rng.uniform(low, high, n) * scale * growth, total)
    has_variable = employee & (rng.random(n) < VARIABLE_PAY_SHARE)
    variable_fte = np.where(has_variable, total * rng.uniform(0.03, 0.15, n), 0.0)
    # Answers give what is actually paid (part time: less), rounded to 100 as most are.
    base_salary = np.round((total - variable_fte) * work_time_share, -2)
    variable_pay = np.round(variable_fte * work_time_share, -2)

    # Freelancers: day rate excluding VAT, rounded to 10, and days billed a year.
    log_rate = (
        np.log(DAY_RATE_START)
        + DAY_RATE_GROWTH_EARLY * np.minimum(experience, 3)
        + DAY_RATE_GROWTH_LATER * np.clip(experience - 3, 0, 12)
        + DAY_RATE_SIGMA * rng.standard_normal(n)
    )
    day_rate = np.maximum(np.round(np.exp(log_rate) * scale * growth, -1), 10)
    billed_days = np.clip(np.round(rng.normal(BILLED_DAYS_MEAN, 35, n) * work_time_share), 10, 230)

    # Deliberate outliers: one uniform draw, cut into disjoint slices.
    draw = rng.random(n)
    cuts = np.cumsum([MONTHLY_AS_ANNUAL_SHARE, SALARY_EXTRA_ZERO_SHARE, SALARY_FAR_ABOVE_SHARE])
    monthly = employee & (draw < cuts[0])
    extra_zero = employee & (draw >= cuts[0]) & (draw < cuts[1])
    far_above = employee & (draw >= cuts[1]) & (draw < cuts[2])
    base_salary = np.select(
        [monthly, extra_zero, far_above],
        [np.round(base_salary / 12), base_salary * 10, np.round(base_salary * 3.5, -2)],
        base_salary,
    )
    variable_pay = np.where(monthly | extra_zero | far_above, 0, variable_pay)
    hourly = freelance & (draw < HOURLY_AS_DAILY_SHARE)
    rate_zero = (
        freelance
        & (draw >= HOURLY_AS_DAILY_SHARE)
        & (draw < HOURLY_AS_DAILY_SHARE + DAY_RATE_EXTRA_ZERO_SHARE)
    )
    day_rate = np.select([hourly, rate_zero], [np.round(day_rate / 7), day_rate * 10], day_rate)

    # Normalization and stage-1 flags: the rules every answer goes through.
    total_fte, base_fte = fte.full_time_equivalents(
        np.where(salaried, base_salary, np.nan), variable_pay, work_time_share
    )
    flag_bits = flags.flag_bits(
        status=np.array(list(SHARES["status"]), dtype=object)[status],
        country=np.array(_COUNTRIES, dtype=object)[country],
        total_fte=total_fte,
        day_rate=np.where(freelance, day_rate, np.nan),
        legal_minimum=legal_minimum,
    )

    missions_mask = _masks(rng, vocab.MISSIONS, MISSION_PROBABILITY, MISSION_BY_ROLE, role)
    # Everyone does something: an empty draw becomes content creation.
    content = 1 << vocab.MISSIONS.codes.index("content")
    missions_mask = np.where(missions_mask == 0, content, missions_mask)
    kpis_mask = _masks(rng, vocab.KPIS, KPI_PROBABILITY, KPI_BY_ROLE, role)

    weekly_hours = np.select(
        [freelance, trainee],
        [rng.normal(40, 8, n) * work_time_share, rng.normal(36, 1.5, n)],
        rng.normal(39, 3, n) * work_time_share,
    )
    weekly_hours = np.clip(np.round(weekly_hours), 1, 80).astype(np.int64)
    remote_days = np.select(
        [freelance, trainee],
        [
            _choose(rng, REMOTE_DAYS_SHARES["freelance"], n),
            _choose(rng, REMOTE_DAYS_SHARES["trainee"], n),
        ],
        _choose(rng, REMOTE_DAYS_SHARES["employee"], n),
    )
    # Nobody works from home more days than they work.
    remote_days = np.minimum(remote_days, np.round(5 * work_time_share).astype(np.int64))
    satisfaction_latent = (
        SATISFACTION_PAY_WEIGHT * salary_noise + rng.standard_normal(n)
    ) / np.hypot(SATISFACTION_PAY_WEIGHT, 1)
    satisfaction = 1 + np.searchsorted(_satisfaction_cuts(), satisfaction_latent)

    gender = _choose(rng, SHARES["gender"], n)
    age_band = _age_bands(rng, experience=experience, education=education, trainee=trainee)
    job_title, job_titles = _job_titles(rng, role)
    submitted_on = _submission_days(rng, years=years, year_index=year_index, until=until)
    # Drawn last, so that adding them left every other column of a seed unchanged.
    record_key = record_keys(n, rng=rng)

    def codes(name: str, index: np.ndarray, *, blank: bool = False) -> pd.Categorical:
        categories = tuple(SHARES[name])
        if blank:  # index -1 is the empty answer
            return pd.Categorical.from_codes(index + 1, categories=("", *categories))
        return pd.Categorical.from_codes(index, categories=categories)

    return pd.DataFrame(
        {
            "edition": year,
            "submitted_on": submitted_on,
            "record_key": record_key,
            "source": pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), categories=["demo"]),
            "state": pd.Categorical.from_codes(
                (flag_bits > 0).astype(np.int8), categories=["accepted", "flagged"]
            ),
            "flags": flags.flag_lists(flag_bits),
            "status": codes("status", status),
            "role": codes("role", role),
            "job_title": pd.Categorical.from_codes(job_title, categories=job_titles),
            "experience_years": experience,
            "education": codes("education", education),
            "employer_size": codes("employer_size", employer_size, blank=True),
            "employer_type": codes("employer_type", employer_type, blank=True),
            "country": pd.Categorical.from_codes(country, categories=_COUNTRIES),
            "region": pd.Categorical.from_codes(region, categories=vocab.REGION.codes),
            "work_time_share": work_time_share,
            "base_salary": _nullable_ints(base_salary, salaried),
            "variable_pay": _nullable_ints(variable_pay, salaried & (variable_pay > 0)),
            "day_rate": _nullable_ints(day_rate, freelance),
            "billed_days": _nullable_ints(billed_days, freelance),
            "missions_mask": missions_mask,
            "kpis_mask": kpis_mask,
            "weekly_hours": weekly_hours,
            "remote_days": remote_days,
            "satisfaction": satisfaction,
            "gender": pd.Categorical.from_codes(gender, categories=tuple(SHARES["gender"])),
            "age_band": age_band,
            "total_fte": _nullable_ints(total_fte, salaried),
            "base_fte": _nullable_ints(base_fte, salaried),
        }
    )


def _norm(weights: np.ndarray) -> np.ndarray:
    return weights / weights.sum()


def _choose(
    rng: np.random.Generator, shares: Mapping[object, float] | Sequence[float], size: int
) -> np.ndarray:
    """`size` indices into the keys of `shares` (or positions of a sequence), drawn by share."""
    weights = np.array(list(shares.values() if isinstance(shares, Mapping) else shares))
    return rng.choice(len(weights), size=size, p=_norm(weights))


def _index(name: str, code: str) -> int:
    return list(SHARES[name]).index(code)


def _region_index(country: str) -> np.ndarray:
    """Positions in vocab.REGION.codes of the keys of REGION_SHARES[country]."""
    return np.array([vocab.REGION.codes.index(code) for code in REGION_SHARES[country]])


def _premiums(name: str, premiums: Mapping[str, float]) -> np.ndarray:
    """Premium by index of SHARES[name]; the last entry (index -1, no employer) is 0."""
    return np.array([premiums[code] for code in SHARES[name]] + [0.0])


def _experience_premium(years: np.ndarray) -> np.ndarray:
    early, later = EXPERIENCE_PREMIUM_PER_YEAR
    return early * np.minimum(years, 10) + later * np.clip(years - 10, 0, 15)


def _mean_premium(name: str, premiums: Mapping[str, float]) -> float:
    shares = SHARES[name]
    return sum(premiums[code] * share for code, share in shares.items()) / sum(shares.values())


def _idf_share() -> float:
    return REGION_SHARES["FR"]["FR-IDF"] / sum(REGION_SHARES["FR"].values())


def _salary_base() -> float:
    """The common base of the salary model, EUR: MODEL_MEAN_SALARY less the mean premiums."""
    weights = _norm(np.exp(-np.arange(EXPERIENCE_MAX + 1) / EXPERIENCE_SCALE["employee"]))
    experience = float(weights @ _experience_premium(np.arange(EXPERIENCE_MAX + 1)))
    return MODEL_MEAN_SALARY - (
        experience
        + _idf_share() * MODEL_IDF_PREMIUM
        + _mean_premium("employer_size", SIZE_PREMIUM)
        + _mean_premium("education", EDUCATION_PREMIUM)
        + _mean_premium("role", ROLE_PREMIUM)
        + _mean_premium("employer_type", TYPE_PREMIUM)
    )


def _country_scales() -> np.ndarray:
    """By country index, the factor from the French model to the country's salaries.

    Abroad no region earns the Île-de-France premium: a country's model mean is
    its factor times the French model mean outside Île-de-France, and the floor
    lifts it about as much as the French one.
    """
    outside_idf = MODEL_MEAN_SALARY - _idf_share() * MODEL_IDF_PREMIUM
    lift = FR_MEAN_SALARY / MODEL_MEAN_SALARY
    return np.array(
        [1.0 if c == "FR" else COUNTRY_MEAN_SALARY[c] / lift / outside_idf for c in _COUNTRIES]
    )


def _masks(
    rng: np.random.Generator,
    vocabulary: vocab.Vocabulary,
    probability: Mapping[str, float],
    by_role: Mapping[str, Mapping[str, float]],
    role: np.ndarray,
) -> np.ndarray:
    """Bit masks (as vocabulary.mask_of makes them), each code ticked with its role's odds."""
    table = np.array(
        [
            [by_role.get(name, {}).get(code, probability[code]) for code in vocabulary.codes]
            for name in SHARES["role"]
        ],
        dtype=np.float32,
    )
    ticked = rng.random((len(role), len(vocabulary)), dtype=np.float32) < table[role]
    return ticked.astype(np.int64) @ (1 << np.arange(len(vocabulary), dtype=np.int64))


def _satisfaction_cuts() -> np.ndarray:
    cumulative = np.cumsum(SATISFACTION_SHARES)[:-1]
    return np.array([NormalDist().inv_cdf(p) for p in cumulative])


def _age_bands(
    rng: np.random.Generator,
    *,
    experience: np.ndarray,
    education: np.ndarray,
    trainee: np.ndarray,
) -> pd.Categorical:
    """Age bands that follow experience: studies, for some another career, then the job."""
    n = len(experience)
    study_years = np.array([_STUDY_YEARS[code] for code in SHARES["education"]])[education]
    start = 18 + study_years + rng.exponential(1.0, n)
    start = start + np.where(rng.random(n) < 0.25, rng.uniform(3, 15, n), 0)
    age = np.where(trainee, start - rng.uniform(0, 2, n), start + experience + rng.random(n))
    band = np.searchsorted(_AGE_BAND_STARTS, age, side="right")
    # 2% skip this optional question: category 0 is the empty answer.
    band = np.where(rng.random(n) < 0.02, 0, band + 1)
    return pd.Categorical.from_codes(band, categories=("", *vocab.AGE_BAND.codes))


def _job_titles(rng: np.random.Generator, role: np.ndarray) -> tuple[np.ndarray, tuple[str, ...]]:
    """(codes, categories) of optional free-text job titles that fit each role."""
    titles = ("", *sorted({title for options in JOB_TITLES.values() for title in options}))
    pick = rng.random(len(role))
    codes = np.zeros(len(role), dtype=np.int64)
    for i, name in enumerate(SHARES["role"]):
        options = np.array([titles.index(title) for title in JOB_TITLES[name]])
        here = role == i
        codes[here] = options[(pick[here] * len(options)).astype(np.int64)]
    codes[rng.random(len(role)) >= JOB_TITLE_SHARE] = 0
    return codes, titles


def _submission_days(
    rng: np.random.Generator, *, years: np.ndarray, year_index: np.ndarray, until: date | None
) -> pd.DatetimeIndex:
    """Days spread evenly over each edition's year, none after the day `until`, as midnights."""
    starts = np.array([np.datetime64(f"{y}-01-01", "D") for y in years.tolist()])
    ends = np.array([np.datetime64(f"{y + 1}-01-01", "D") for y in years.tolist()])
    if until is not None:
        limit = np.datetime64(date(until.year, until.month, until.day), "D") + np.timedelta64(
            1, "D"
        )
        # An edition whose year has not begun by `until` keeps its whole year.
        ends = np.where((limit > starts) & (limit < ends), limit, ends)
    spans = (ends - starts).astype(np.int64)[year_index]
    offsets = (rng.random(len(year_index)) * spans).astype(np.int64).astype("timedelta64[D]")
    return pd.DatetimeIndex(starts[year_index] + offsets)


def _nullable_ints(values: np.ndarray, present: np.ndarray) -> pd.arrays.IntegerArray:
    """A pandas Int64 column, empty (NULL) where `present` is False."""
    return pd.arrays.IntegerArray(np.where(present, values, 0).astype(np.int64), ~present)
