"""KPI names: parse, format, base and breakdowns of ``area.measure_stat@dim=value``."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simdata import kpi_names
from simdata.kpi_names import KpiName

pytestmark = pytest.mark.unit


def test_parse_reads_base_and_ordered_breakdowns() -> None:
    """A name with two breakdowns parses into its base and both, in order."""
    name = kpi_names.parse("requests.time_to_data_p90@kind=enterprise@year=2025")
    assert name.base == "requests.time_to_data_p90"
    assert list(name.breakdowns.items()) == [("kind", "enterprise"), ("year", "2025")]
    assert name.area == "requests"
    assert name.suffix == "kind=enterprise@year=2025"


def test_parse_without_breakdowns() -> None:
    """A plain base name has no breakdowns and an empty suffix."""
    name = kpi_names.parse("resolution.failed_share")
    assert name == KpiName("resolution.failed_share")
    assert name.suffix == ""


@pytest.mark.parametrize(
    "text",
    ["requests.time_to_data_p90", "a.b@x=1", "a.b@x=1@y=", "reviewers.utilisation@department=税务"],
)
def test_format_inverts_parse(text: str) -> None:
    """Formatting a parsed name gives the name back, character for character."""
    name = kpi_names.parse(text)
    assert str(name) == text
    assert kpi_names.format(name.base, name.breakdowns.items()) == text


def test_with_breakdown_appends() -> None:
    """``with_breakdown`` appends one dimension after those already there."""
    name = KpiName("a.b").with_breakdown("kind", "enterprise").with_breakdown("year", 2025)
    assert str(name) == "a.b@kind=enterprise@year=2025"


@pytest.mark.parametrize("text", ["@x=1", "a.b@x", "a.b@=1", "a.b@x=1@x=2"])
def test_parse_refuses_malformed_names(text: str) -> None:
    """An empty base, a breakdown without '=' or a repeated dimension is a ValueError."""
    with pytest.raises(ValueError, match="KPI name"):
        kpi_names.parse(text)


def test_base_of_and_suffix_of() -> None:
    """``base_of`` is everything before the first '@', ``suffix_of`` everything after it."""
    assert kpi_names.base_of("a.b@x=1@y=2") == "a.b"
    assert kpi_names.base_of("a.b") == "a.b"
    assert kpi_names.suffix_of("a.b@x=1@y=2") == "x=1@y=2"
    assert kpi_names.suffix_of("a.b") == ""


_PART = st.text(
    alphabet=st.characters(exclude_characters="@=", exclude_categories=("Cs",)), min_size=1
)


@given(
    base=_PART,
    breakdowns=st.dictionaries(_PART, st.text(alphabet=st.characters(exclude_characters="@"))),
)
def test_parse_inverts_format(base: str, breakdowns: dict[str, str]) -> None:
    """Any base and breakdowns without '@' (dimensions also without '=') survive a round trip."""
    name = kpi_names.format(base, breakdowns.items())
    parsed = kpi_names.parse(name)
    assert parsed == KpiName(base, breakdowns)
    assert list(parsed.breakdowns.items()) == list(breakdowns.items())
    assert kpi_names.base_of(name) == base
