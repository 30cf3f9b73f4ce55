import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from complaint_notifier.domain import (
    BusinessCalendar,
    DeadlinePolicy,
    Directory,
    load_calendars,
    load_deadline_policies,
    load_directory,
)
from complaint_notifier.settings import NotifierSettings
from complaint_runtime import DATA_DIR

from .live import HookSink, SmtpSink, keys_file, notifier_settings, write_directory

settings.register_profile("notifier-thorough", max_examples=3000, deadline=None)
if os.environ.get("NOTIFIER_HYPOTHESIS_THOROUGH"):
    settings.load_profile("notifier-thorough")


@pytest.fixture(scope="session")
def deploy_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def calendars(deploy_dir: Path) -> dict[str, BusinessCalendar]:
    return load_calendars(deploy_dir / "calendars")


@pytest.fixture(scope="session")
def cn(calendars: dict[str, BusinessCalendar]) -> BusinessCalendar:
    return calendars["cn-mainland"]


@pytest.fixture(scope="session")
def policies(deploy_dir: Path, calendars: dict[str, BusinessCalendar]) -> dict[str, DeadlinePolicy]:
    return load_deadline_policies(deploy_dir / "policies", calendars)


@pytest.fixture(scope="session")
def directory(deploy_dir: Path) -> Directory:
    return load_directory(deploy_dir / "directory.yaml")


# ---- integration fixtures (the root conftest provides the stack) ------------------------------

_live_counter = iter(range(1_000_000))


@pytest.fixture
async def own_prefix(kafka_bootstrap: str, run_id: str, topic_admin: Any) -> AsyncIterator[str]:
    """Topics of one test's own, so that no other test's complaints reach its notifier."""
    prefix = f"test-{run_id}-n{next(_live_counter)}."
    await topic_admin.ensure(kafka_bootstrap, prefix)
    yield prefix
    await topic_admin.delete(kafka_bootstrap, prefix)


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hooks() -> Iterator[HookSink]:
    with HookSink() as sink:
        yield sink


@pytest.fixture
def live_settings(
    kafka_bootstrap: str,
    mongodb_uri: str,
    own_prefix: str,
    database_name: Callable[[str], str],
    smtp: SmtpSink,
    hooks: HookSink,
    tmp_path: Path,
) -> Callable[..., NotifierSettings]:
    """`live_settings(**overrides)`: a notifier on the real stack, its own topics and database."""
    directory = write_directory(tmp_path, hooks)
    database = database_name(f"notifier_{own_prefix.rsplit('-', 1)[-1].strip('.')}")

    def make(**overrides: object) -> NotifierSettings:
        return notifier_settings(
            kafka=kafka_bootstrap,
            mongodb_uri=mongodb_uri,
            database=database,
            prefix=own_prefix,
            smtp=smtp,
            directory=directory,
            api_keys_file=keys_file(tmp_path),
            **overrides,
        )

    return make
