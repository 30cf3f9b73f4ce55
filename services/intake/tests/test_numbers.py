from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from complaint_intake.domain.numbers import (
    MAX_SEQUENCE,
    NumbersExhausted,
    complaint_number,
    first_free,
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


def probe(taken: set[int]):  # type: ignore[no-untyped-def]
    calls: list[int] = []

    async def is_taken(sequence: int) -> bool:
        calls.append(sequence)
        return sequence in taken

    return is_taken, calls


async def test_first_free_of_an_empty_day_is_one() -> None:
    is_taken, calls = probe(set())
    assert await first_free(is_taken) == 1
    assert calls == [1]


async def test_first_free_after_a_run_uses_logarithmically_many_probes() -> None:
    is_taken, calls = probe(set(range(1, 100_001)))
    assert await first_free(is_taken) == 100_001
    assert len(calls) < 40


async def test_first_free_continues_from_a_hint() -> None:
    is_taken, _ = probe(set(range(1, 501)))
    assert await first_free(is_taken, start=450) == 501
    assert await first_free(is_taken, start=700) == 700


async def test_a_full_day_gives_a_sequence_past_the_end() -> None:
    async def everything_taken(sequence: int) -> bool:
        return True

    assert await first_free(everything_taken) == MAX_SEQUENCE + 1


@settings(deadline=None)
@given(st.integers(0, 5_000), st.sets(st.integers(1, 6_000), max_size=30))
async def test_first_free_is_free_and_follows_a_taken_one(run: int, holes: set[int]) -> None:
    taken = set(range(1, run + 1)) - holes
    is_taken, _ = probe(taken)
    found = await first_free(is_taken)
    assert found not in taken
    assert found == 1 or found - 1 in taken
