"""``calendar.holiday_file``: a year's statutory schedule, read from a small YAML file.

chinese-calendar carries the State Council's schedule only up to the year it was released
for; for later years a planner types in the announced schedule once, in a file beside the
scenarios (format: ``scenarios/calendars/TEMPLATE.yaml``)::

    year: 2027                       # the year the file declares complete
    holidays: [2027-01-01, 2027-02-05..2027-02-11]
    extra_workdays: [2027-02-14]     # 调休: weekend days that are worked

The loader inlines every file before validation: its days join the scenario's
``calendar.holidays`` / ``extra_workdays``, its year joins ``calendar.covered_years``, and
``holiday_file`` is removed, so the resolved ``scenario.yaml`` of a run directory holds the
schedule itself (self-contained; a run can be repeated without the file). Errors inside the
file name the file's own line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import Field, StrictInt, ValidationError, field_validator

from simdata.errors import ScenarioError
from simdata.scenario.calendar_spec import FIRST_DATE, LAST_DATE, expand_days
from simdata.scenario.section import Section
from simdata.scenario.strict_yaml import Origin, SourceMap, brief, file_kind, read_yaml_file

FIELD = "holiday_file"
_LISTS = ("holidays", "extra_workdays")


class HolidayFile(Section):
    """One year's holidays and adjusted working days (调休), declared complete."""

    year: StrictInt = Field(
        ge=FIRST_DATE.year,
        le=LAST_DATE.year,
        description="The year whose schedule the file lists completely (it joins "
        "`calendar.covered_years`).",
    )
    holidays: list[Any] = Field(
        default_factory=list, description="Non-working days or ranges `FIRST..LAST`."
    )
    extra_workdays: list[Any] = Field(
        default_factory=list, description="Adjusted working days (调休) or ranges."
    )

    @field_validator("holidays", "extra_workdays")
    @classmethod
    def _days(cls, entries: list[Any]) -> list[Any]:
        for index, entry in enumerate(entries):
            try:
                expand_days(entry)
            except ValueError as error:
                raise ValueError(f"{index}: {error}") from None
        return entries


#: The loader's translation of a validation error into one ``FILE:LINE: field: …`` line.
Describe = Callable[[ValidationError, Any, SourceMap, str], ScenarioError]


def inline_holiday_files(
    data: dict[str, Any], source: SourceMap, shown: str, describe: Describe
) -> None:
    """Replace ``calendar.holiday_file`` in ``data`` (in place) by the files' contents;
    ``describe`` words a file's validation error (the loader's ``scenario_error``)."""
    calendar = data.get("calendar")
    if not isinstance(calendar, dict) or calendar.get(FIELD) is None:
        return
    value = calendar.pop(FIELD)
    origin = source.locate(("calendar", FIELD))
    paths = value if isinstance(value, list) else [value]
    for index, text in enumerate(paths):
        field = f"calendar.{FIELD}" + (f".{index}" if isinstance(value, list) else "")
        path = _file_path(text, origin, shown, field)
        _merge(calendar, source, path, describe)


def _file_path(text: Any, origin: Origin | None, shown: str, field: str) -> Path:
    """The holiday file ``text`` names: relative to the file that names it (to the working
    directory for a ``--set`` override), a regular file."""

    def refused(message: str) -> ScenarioError:
        return ScenarioError(
            message,
            file=origin.file if origin else shown,
            line=origin.line if origin else None,
            path=field,
            override=bool(origin and origin.override),
        )

    if not isinstance(text, str) or not text.strip():
        raise refused(
            f"expected a path to a holiday file like calendars/2027.yaml, got {brief(text)}"
        )
    base = Path(".") if origin is None or origin.override else Path(origin.file).parent
    path = base / text.strip()
    try:
        kind = file_kind(path.stat().st_mode)
    except OSError:
        raise refused(
            f"expected an existing holiday file, got {brief(text)} (no such file)"
        ) from None
    if kind is not None:
        raise refused(f"expected a holiday file, got {brief(text)}, {kind}")
    return path


def _merge(calendar: dict[str, Any], source: SourceMap, path: Path, describe: Describe) -> None:
    """Add one file's days and year to the scenario's calendar, with their origins."""
    shown = str(path)
    content, file_source = read_yaml_file(path, shown)
    if not isinstance(content, dict):
        raise ScenarioError(
            f"expected a mapping with year, holidays and extra_workdays, got {brief(content)}",
            file=shown,
            line=1,
            path="",
        )
    try:
        schedule = HolidayFile.model_validate(content)
    except ValidationError as error:
        raise describe(error, content, file_source, shown) from None
    for key in _LISTS:
        existing = calendar.get(key)
        entries = list(existing) if isinstance(existing, list) else []
        for index, entry in enumerate(getattr(schedule, key)):
            here = file_source.origins.get((key, index))
            if here is not None:
                source.origins[("calendar", key, len(entries))] = here
            entries.append(entry)
        if entries:
            calendar[key] = entries
    covered = calendar.get("covered_years")
    years = list(covered) if isinstance(covered, list) else []
    if schedule.year not in years:
        years.append(schedule.year)
    calendar["covered_years"] = years
