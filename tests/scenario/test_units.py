"""The units grammar: durations, working time, rates, growth, shares, target quantities."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simdata.scenario.loader import load_scenario
from simdata.scenario.models import RunSpec
from simdata.scenario.units import (
    _ALIASES,
    DAY_S,
    DURATION_UNITS,
    UnitError,
    WorkDuration,
    format_duration,
    format_rate,
    parse_duration,
    parse_growth,
    parse_quantity,
    parse_rate,
    parse_share,
    parse_span,
)

unit = pytest.mark.unit
prop = pytest.mark.property

PROPERTY = settings(max_examples=200, deadline=None, database=None)
finite = st.floats(allow_nan=False, allow_infinity=False)
non_negative = st.floats(min_value=0.0, allow_nan=False, allow_infinity=False)


# --- parse_duration ----------------------------------------------------------------------


@unit
@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30 s", 30.0),
        ("2.5 h", 9_000.0),
        ("2ms", 0.002),
        ("1e3 ms", 1.0),
        ("  90 min  ", 5_400.0),
        ("3 minutes", 180.0),
        ("1 d", DAY_S),
        ("2 weeks", 14 * DAY_S),
        ("1 month", 30.4375 * DAY_S),
        ("1 year", 365.25 * DAY_S),
        ("0 s", 0.0),
        (".5 s", 0.5),
    ],
)
def test_parse_duration_reads_number_and_unit_into_seconds(text: str, seconds: float) -> None:
    """parse_duration turns 'NUMBER UNIT' (aliases, spacing, exponents) into float seconds."""
    assert parse_duration(text) == seconds


@unit
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (30, "with a unit"),
        (2.5, "with a unit"),
        (True, "a boolean"),
        (None, "a duration like"),
        ("30", "a duration like"),
        ("5 parsecs", "duration unit among"),
        ("7.2 per s", "a duration like"),
        ("1 workday", "working time"),
        ("s 30", "a duration like"),
        ("1e999 s", "finite"),
        ("1e308 year", "finite"),
        ("", "a duration like"),
    ],
)
def test_parse_duration_refuses_what_is_not_a_duration(value: object, message: str) -> None:
    """Bare numbers, booleans, unknown units, workdays and overflows raise UnitError."""
    with pytest.raises(UnitError, match=message):
        parse_duration(value)


@unit
def test_bare_number_message_shows_an_example_with_a_unit() -> None:
    """A bare 30 is refused with an example of the right form ('30 s')."""
    with pytest.raises(UnitError) as error:
        parse_duration(30)
    assert "'30 s'" in str(error.value)
    assert str(error.value).startswith("expected")


# --- parse_span and working time ----------------------------------------------------------


@unit
@pytest.mark.parametrize(("text", "days"), [("3 workday", 3.0), ("0.5 workdays", 0.5)])
def test_parse_span_keeps_workdays_as_work_duration(text: str, days: float) -> None:
    """Where working time is allowed, 'N workday(s)' stays a WorkDuration, not seconds."""
    span = parse_span(text, allow_workday=True)
    assert isinstance(span, WorkDuration)
    assert span == WorkDuration(days)
    assert str(span) == f"{days:g} workday"


@unit
def test_parse_span_with_workdays_allowed_still_reads_elapsed_time() -> None:
    """Allowing workdays does not change elapsed durations: '2 h' is still 7200.0 s."""
    assert parse_span("2 h", allow_workday=True) == 7_200.0


@unit
def test_parse_span_refuses_workdays_unless_allowed() -> None:
    """By default (and in parse_duration) a workday span is refused: it needs a calendar."""
    with pytest.raises(UnitError, match="needs the calendar"):
        parse_span("3 workday")
    with pytest.raises(UnitError, match="needs the calendar"):
        parse_duration("3 workdays")


# --- parse_rate --------------------------------------------------------------------------


@unit
@pytest.mark.parametrize(
    ("text", "per_s"),
    [
        ("7.2/s", 7.2),
        ("1000/d", 1000 / DAY_S),
        ("4/month", 4 / (30.4375 * DAY_S)),
        ("6/10 min", 6 / 600),
        ("6 / 10min", 6 / 600),
        ("3/hour", 3 / 3600),
        ("0/s", 0.0),
    ],
)
def test_parse_rate_reads_events_per_unit_into_per_second(text: str, per_s: float) -> None:
    """parse_rate turns 'N/unit' and 'N/k unit' into events per second."""
    assert parse_rate(text) == pytest.approx(per_s, rel=1e-15)


@unit
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (7.2, "with a unit"),
        ("7.2 per s", "a rate like"),
        ("7.2", "a rate like"),
        ("5/workday", "calendar"),
        ("5/parsec", "rate unit among"),
        ("5/0 s", "positive span"),
        ("1/1e-320 s", "finite"),
        (False, "a boolean"),
    ],
)
def test_parse_rate_refuses_what_is_not_a_rate(value: object, message: str) -> None:
    """Bare numbers, words for '/', workdays, unknown units, empty spans raise UnitError."""
    with pytest.raises(UnitError, match=message):
        parse_rate(value)


# --- parse_growth ------------------------------------------------------------------------


@unit
def test_parse_growth_is_continuous_log_growth_per_second() -> None:
    """'5%/month' is g with exp(g · month) = 1.05; '0%/d' is 0; a decline is negative."""
    month = DURATION_UNITS["month"]
    g = parse_growth("5%/month")
    assert g == pytest.approx(math.log(1.05) / month, rel=1e-12)
    assert math.exp(g * month) == pytest.approx(1.05, rel=1e-12)
    assert parse_growth("0%/d") == 0.0
    assert parse_growth("-10%/year") < 0


@unit
@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("-100%/d", "above -100%"),
        ("-150%/d", "above -100%"),
        ("5/month", "a growth like"),
        ("5%", "a growth like"),
        ("5%/parsec", "per unit among"),
        (0.05, "with a unit"),
    ],
)
def test_parse_growth_refuses_bad_growth(value: object, message: str) -> None:
    """A loss of 100 % or more, a missing '%', a bad unit or a bare number raise UnitError."""
    with pytest.raises(UnitError, match=message):
        parse_growth(value)


# --- parse_share -------------------------------------------------------------------------


@unit
@pytest.mark.parametrize(
    ("value", "share"),
    [(0.9, 0.9), ("90%", 0.9), ("90 %", 0.9), ("0.25", 0.25), (1, 1.0), (0, 0.0), ("100%", 1.0)],
)
def test_parse_share_reads_fractions_and_percentages(value: object, share: float) -> None:
    """A share is a number in [0, 1] or a percentage, returned as a fraction."""
    assert parse_share(value) == pytest.approx(share, rel=1e-15)


@unit
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "between 0 and 1"),
        ("150%", "between 0 and 1"),
        (-0.1, "between 0 and 1"),
        (True, "a boolean"),
        ("ninety", "like 0.9"),
        (None, "like 0.9"),
        (float("nan"), "between 0 and 1"),
    ],
)
def test_parse_share_refuses_values_outside_0_1(value: object, message: str) -> None:
    """Shares above 100 %, negative, NaN, booleans and words raise UnitError."""
    with pytest.raises(UnitError, match=message):
        parse_share(value)


# --- parse_quantity ----------------------------------------------------------------------


@unit
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1.2 s", (1.2, "s")),
        ("50 ms", (0.05, "s")),
        ("7/s", (7.0, "1/s")),
        ("90%", (0.9, "fraction")),
        (12, (12.0, "number")),
        (0.5, (0.5, "number")),
        ("12", (12.0, "number")),
    ],
)
def test_parse_quantity_tells_the_dimension_by_the_form(
    value: object, expected: tuple[float, str]
) -> None:
    """parse_quantity gives (SI value, dimension): seconds, per second, fraction, number."""
    number, dimension = parse_quantity(value)
    assert dimension == expected[1]
    assert number == pytest.approx(expected[0], rel=1e-15)


@unit
@pytest.mark.parametrize(
    "value", [True, None, [1], "abc", "5 parsecs", "150%", float("nan"), "inf", 10**400]
)
def test_parse_quantity_refuses_non_quantities(value: object) -> None:
    """Booleans, collections, words, bad units, shares > 100 % and non-finite numbers fail."""
    with pytest.raises(UnitError):
        parse_quantity(value)


# --- calendar months in run spans -----------------------------------------------------------


@unit
@pytest.mark.parametrize(
    ("start", "horizon", "days"),
    [
        (dt.date(2024, 2, 1), "1 month", 29),  # leap February
        (dt.date(2023, 2, 1), "1 month", 28),
        (dt.date(2024, 1, 31), "1 month", 29),  # clipped to Feb 29
        (dt.date(2024, 1, 1), "3 months", 91),
        (dt.date(2024, 1, 1), "1 year", 366),
        (dt.date(2023, 1, 1), "2 years", 731),
        ("2024-02-01", "1 month", 29),  # a quoted date counts too
    ],
)
def test_run_months_and_years_are_calendar_ones_with_a_start_date(
    start: dt.date | str, horizon: str, days: int
) -> None:
    """With run.start_date, 'N month'/'N year' horizons span exact calendar days."""
    spec = RunSpec.model_validate({"horizon": horizon, "start_date": start})
    assert spec.horizon == days * DAY_S
    assert spec.start_date == dt.date.fromisoformat(str(start))


@unit
def test_run_months_without_a_start_date_are_julian_averages() -> None:
    """Without run.start_date, a month is 30.4375 days."""
    assert RunSpec.model_validate({"horizon": "1 month"}).horizon == 30.4375 * DAY_S


@unit
def test_calendar_warmup_and_fractional_months() -> None:
    """Warm-up months count back from start_date in calendar months; 1.5 month stays Julian."""
    spec = RunSpec.model_validate(
        {"horizon": "1.5 month", "warmup": "1 month", "start_date": dt.date(2024, 2, 1)}
    )
    assert spec.warmup == 31 * DAY_S  # January 2024, the month before the start date
    assert spec.horizon == 1.5 * 30.4375 * DAY_S


@unit
def test_calendar_month_from_a_scenario_file(
    write_scenario: Callable[[str], Path],
) -> None:
    """A scenario file with unquoted start_date 2024-02-01 and horizon '1 month' runs 29 d."""
    path = write_scenario(
        "run: {start_date: 2024-02-01, horizon: 1 month, warmup: 1 d}\nresolution: {servers: 1}\n"
    )
    assert load_scenario(path).run.horizon == 29 * DAY_S


@unit
@pytest.mark.parametrize("start", [0, 86_400, 1.5, True, "Feb 1st", "2024-02-30"])
def test_start_date_must_be_a_date(start: object) -> None:
    """A number (read as a Unix time by lax parsing) or non-ISO text is not a start date."""
    with pytest.raises(ValidationError, match="start_date"):
        RunSpec.model_validate({"horizon": "1 month", "start_date": start})


# --- properties ----------------------------------------------------------------------------


@prop
@PROPERTY
@given(non_negative)
def test_format_duration_parses_back_to_the_same_float(seconds: float) -> None:
    """format_duration of any finite float ≥ 0 parses back to exactly that float."""
    text = format_duration(seconds)
    assert parse_duration(text) == seconds
    assert text.endswith(" s")


@prop
@PROPERTY
@given(non_negative)
def test_format_rate_parses_back_to_the_same_float(rate: float) -> None:
    """format_rate of any finite float ≥ 0 parses back to exactly that float."""
    assert parse_rate(format_rate(rate)) == rate


@prop
@PROPERTY
@given(finite, st.sampled_from(sorted(DURATION_UNITS)))
def test_duration_is_number_times_unit(x: float, unit_name: str) -> None:
    """parse_duration(f'{x} {u}') == x * DURATION_UNITS[u], or an error if that overflows."""
    expected = x * DURATION_UNITS[unit_name]
    if math.isfinite(expected):
        assert parse_duration(f"{x} {unit_name}") == expected
        assert parse_duration(f"{x}{unit_name}") == expected
    else:
        with pytest.raises(UnitError, match="finite"):
            parse_duration(f"{x} {unit_name}")


@prop
@PROPERTY
@given(st.integers(min_value=-(10**12), max_value=10**12), st.sampled_from(sorted(_ALIASES)))
def test_unit_aliases_mean_their_canonical_unit(n: int, alias: str) -> None:
    """Every alias ('minutes', 'days', …) parses like its canonical unit."""
    canonical = _ALIASES[alias]
    if canonical == "workday":
        assert parse_span(f"{n} {alias}", allow_workday=True) == WorkDuration(n)
    else:
        assert parse_duration(f"{n} {alias}") == parse_duration(f"{n} {canonical}")


@prop
@PROPERTY
@given(
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    st.floats(min_value=1e-3, max_value=1e3, allow_nan=False),
    st.sampled_from(sorted(DURATION_UNITS)),
)
def test_rate_is_count_over_span(n: float, per: float, unit_name: str) -> None:
    """parse_rate(f'{n}/{k} {u}') is n / (k · seconds per u)."""
    expected = n / (per * DURATION_UNITS[unit_name])
    assert parse_rate(f"{n}/{per} {unit_name}") == expected


@prop
@PROPERTY
@given(st.floats(min_value=0, max_value=100, allow_nan=False))
def test_percent_share_is_a_hundredth(percent: float) -> None:
    """parse_share(f'{p}%') == p / 100 for every p in [0, 100]; parse_quantity agrees."""
    share = parse_share(f"{percent}%")
    assert share == percent / 100
    assert parse_quantity(f"{percent}%") == (share, "fraction")


@prop
@PROPERTY
@given(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(lambda p: p > -100))
def test_growth_compounds_to_its_percentage(percent: float) -> None:
    """exp(parse_growth(f'{p}%/d') · 1 d) == 1 + p/100 for every p > -100."""
    g = parse_growth(f"{percent}%/d")
    assert math.exp(g * DAY_S) == pytest.approx(1 + percent / 100, rel=1e-9)
