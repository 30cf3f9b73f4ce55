"""The shipped calendar files: official China schedules cross-checked against libraries."""

from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import holidays
import pytest
import yaml

from complaint_notifier.domain import BusinessCalendar, DataFileError, load_calendar
from complaint_notifier.domain.calendar_file import CalendarFile

pytestmark = pytest.mark.unit

PUBLISHED_YEARS = (2025, 2026)
PROVISIONAL_YEAR = 2027


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=n) for n in range((date(year + 1, 1, 1) - first).days)]


def cn_file(deploy_dir: Path) -> CalendarFile:
    data = yaml.safe_load((deploy_dir / "calendars" / "cn-mainland.yaml").read_text("utf-8"))
    return CalendarFile.model_validate(data)


@pytest.mark.parametrize("year", PUBLISHED_YEARS)
def test_working_days_agree_with_chinesecalendar(cn: BusinessCalendar, year: int) -> None:
    disagreements = [
        day for day in days_of(year) if cn.is_working_day(day) != chinese_calendar.is_workday(day)
    ]
    assert disagreements == []


@pytest.mark.parametrize("year", PUBLISHED_YEARS)
def test_holidays_and_make_up_days_agree_with_chinesecalendar(deploy_dir: Path, year: int) -> None:
    calendar_file = cn_file(deploy_dir)
    library_holidays = {day for day in chinese_calendar.constants.holidays if day.year == year}
    library_make_up = {
        day
        for day in chinese_calendar.constants.workdays
        if day.year == year and day.weekday() >= 5
    }
    assert {day for day in calendar_file.holidays if day.year == year} == library_holidays
    assert {d for d in calendar_file.make_up_working_days if d.year == year} == library_make_up


def test_make_up_working_days_are_weekend_days(deploy_dir: Path) -> None:
    assert all(day.weekday() >= 5 for day in cn_file(deploy_dir).make_up_working_days)


def test_provisional_year_is_marked_and_holds_the_statutory_days(deploy_dir: Path) -> None:
    calendar_file = cn_file(deploy_dir)
    assert PROVISIONAL_YEAR in calendar_file.provisional_years
    assert "PROVISIONAL" in (deploy_dir / "calendars" / "cn-mainland.yaml").read_text("utf-8")
    ours = {day for day in calendar_file.holidays if day.year == PROVISIONAL_YEAR}
    statutory = set(holidays.China(years=PROVISIONAL_YEAR))
    assert ours == statutory
    assert not [d for d in calendar_file.make_up_working_days if d.year == PROVISIONAL_YEAR]


def test_provisional_year_is_replaced_once_the_library_knows_it(deploy_dir: Path) -> None:
    """Fails on purpose when chinesecalendar learns the official 2027 schedule: update the file."""
    known = {day.year for day in chinese_calendar.constants.holidays}
    if PROVISIONAL_YEAR not in known:
        pytest.skip(f"chinesecalendar does not know {PROVISIONAL_YEAR} yet")
    calendar_file = cn_file(deploy_dir)
    assert PROVISIONAL_YEAR not in calendar_file.provisional_years


def test_coverage_matches_the_years_listed(deploy_dir: Path) -> None:
    calendar_file = cn_file(deploy_dir)
    listed = {day.year for day in calendar_file.holidays}
    assert listed == set(range(calendar_file.first_year or 0, (calendar_file.last_year or 0) + 1))


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD = """
id: office
timezone: Asia/Shanghai
working_hours:
  monday: ["09:00-12:00", "13:00-18:00"]
"""


def test_a_minimal_file_loads(tmp_path: Path) -> None:
    calendar = load_calendar(write(tmp_path, "office", GOOD))
    assert calendar.calendar_id == "office"
    assert not calendar.is_working_day(date(2025, 3, 4))  # Tuesday has no hours


@pytest.mark.parametrize(
    ("replace", "by", "field"),
    [
        ("Asia/Shanghai", "Mars/Olympus", "timezone"),
        ('"13:00-18:00"', '"11:00-18:00"', "working_hours.monday"),
        ('"13:00-18:00"', '"18:00-13:00"', "working_hours.monday"),
        ('"13:00-18:00"', '"13:00-25:00"', "working_hours.monday"),
        ("monday:", "moonday:", "working_hours.moonday"),
        ("id: office", "id: office\nholiday: {}", "holiday"),
    ],
)
def test_a_bad_file_names_the_file_and_the_field(
    tmp_path: Path, replace: str, by: str, field: str
) -> None:
    path = write(tmp_path, "office", GOOD.replace(replace, by))
    with pytest.raises(DataFileError) as error:
        load_calendar(path)
    assert str(path) in str(error.value)
    assert field in str(error.value)


def test_a_day_cannot_be_holiday_and_make_up_day(tmp_path: Path) -> None:
    text = GOOD + "holidays: {2025-10-11: x}\nmake_up_working_days: {2025-10-11: y}\n"
    with pytest.raises(DataFileError, match="both holiday and make-up"):
        load_calendar(write(tmp_path, "office", text))


def test_the_id_must_match_the_file_name(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="differs from the file name"):
        load_calendar(write(tmp_path, "other", GOOD))


def test_a_calendar_without_working_hours_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no working hours"):
        load_calendar(write(tmp_path, "idle", "id: idle\ntimezone: UTC\nworking_hours: {}\n"))
