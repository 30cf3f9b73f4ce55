"""Fixtures of intake's integration tests (the root conftest provides the stack)."""

from collections.abc import Callable
from pathlib import Path

import pytest

from complaint_intake.settings import IntakeSettings

from .live import free_port, keys_file


@pytest.fixture
def live_settings(
    kafka_bootstrap: str,
    mongodb_uri: str,
    topic_prefix: str,
    database_name: Callable[[str], str],
    run_id: str,
    tmp_path: Path,
) -> IntakeSettings:
    """Settings for an intake on the real stack; REST only unless a test turns consuming on."""
    return IntakeSettings(
        kafka_bootstrap_servers=kafka_bootstrap,
        mongodb_uri=mongodb_uri,
        mongodb_database=database_name("intake"),
        topic_prefix=topic_prefix,
        consumer_group_prefix=f"test-{run_id}",
        api_keys_file=keys_file(tmp_path),
        rate_limit="1000000/second",
        http_port=free_port(),
        consume_submissions=False,
    )
