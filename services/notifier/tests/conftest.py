import os
from pathlib import Path

import pytest
from hypothesis import settings

from complaint_notifier.domain import (
    REPO_DEPLOY_DIR,
    BusinessCalendar,
    DeadlinePolicy,
    Directory,
    load_calendars,
    load_deadline_policies,
    load_directory,
)

settings.register_profile("notifier-thorough", max_examples=3000, deadline=None)
if os.environ.get("NOTIFIER_HYPOTHESIS_THOROUGH"):
    settings.load_profile("notifier-thorough")


@pytest.fixture(scope="session")
def deploy_dir() -> Path:
    return REPO_DEPLOY_DIR


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
