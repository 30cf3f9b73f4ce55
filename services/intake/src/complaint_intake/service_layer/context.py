"""What every intake use case works with, built once at start-up (in `bootstrap.py`)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .ports import CommandKeys, Numbers, Publisher, States, Store


@dataclass(frozen=True)
class Intake:
    store: Store
    numbers: Numbers
    publisher: Publisher
    clock: Callable[[], datetime]
    states: States
    command_keys: CommandKeys
