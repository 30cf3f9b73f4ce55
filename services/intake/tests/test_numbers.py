from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from complaint_intake.domain.numbers import (
    MAX_SEQUENCE,
    NumbersExhausted,
    complaint_number,
    number_day,
    parse_complaint_number,
)

pytestmark = pytest.mark.unit


def test_number_format_round_trips() -> None:
    number = complaint_number(date(2024, 5, 1), 123)
    assert number == "TS-20240501-000123"
    assert parse_complaint_number(number) == (date(2024, 5, 1), 123)


@pytest.mark.parametrize("text", ["TS-20240230-000001", "TS-2024051-000001", "ts-20240501-1", ""])
def test_malformed_numbers_do_not_parse(text: str) -> None:
    assert parse_complaint_number(text) is None


@pytest.mark.parametrize("sequence", [0, MAX_SEQUENCE + 1])
def test_sequences_outside_six_digits_are_refused(sequence: int) -> None:
    with pytest.raises(NumbersExhausted):
        complaint_number(date(2024, 5, 1), sequence)


def test_the_day_is_the_local_calendar_day() -> None:
    late_evening_utc = datetime(2024, 4, 30, 17, 30, tzinfo=UTC)  # 01:30 next day in Beijing
    assert number_day(late_evening_utc, ZoneInfo("Asia/Shanghai")) == date(2024, 5, 1)
    assert number_day(late_evening_utc, ZoneInfo("UTC")) == date(2024, 4, 30)
