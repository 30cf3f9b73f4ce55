"""The data files the notifier works by: policies, calendars and the recipient directory."""

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from ..domain import (
    BusinessCalendar,
    ClockSpec,
    DataFileError,
    DeadlinePolicy,
    Directory,
    load_calendars,
    load_deadline_policies,
    load_directory,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Rules:
    policies: Mapping[str, DeadlinePolicy]
    calendars: Mapping[str, BusinessCalendar]
    directory: Directory
    default_language: str = "zh"
    display_zone: ZoneInfo = SHANGHAI

    @classmethod
    def load(
        cls,
        *,
        policies_dir: Path,
        calendars_dir: Path,
        directory_file: Path,
        default_language: str = "zh",
        display_zone: ZoneInfo = SHANGHAI,
    ) -> "Rules":
        """Every file validated; DataFileError names the file and field that is wrong."""
        calendars = load_calendars(calendars_dir)
        policies = load_deadline_policies(policies_dir, calendars)
        if not policies:
            raise DataFileError(policies_dir, ["no <policy-id>/deadlines.yaml found"])
        directory = load_directory(directory_file)
        rules = cls(policies, calendars, directory, default_language, display_zone)
        rules.check_roles()
        return rules

    def check_roles(self) -> None:
        """A role a policy names but the directory lacks would silently notify nobody."""
        for policy in self.policies.values():
            missing = self.directory.missing_roles(policy.roles())
            if missing:
                problem = f"policy {policy.policy_id!r} names roles the directory lacks"
                raise DataFileError(Path("directory.yaml"), [f"{problem}: {sorted(missing)}"])

    def spec(self, policy_id: str, step: str) -> ClockSpec | None:
        policy = self.policies.get(policy_id)
        if policy is None:
            return None
        return next((spec for spec in policy.clocks if spec.step == step), None)

    def zone_of(self, policy_id: str, step: str) -> ZoneInfo:
        """Times in a notice are written in the zone of its clock's calendar."""
        spec = self.spec(policy_id, step)
        if spec is None or spec.calendar_id not in self.calendars:
            return self.display_zone
        return self.calendars[spec.calendar_id].timezone

    def language_of(self, person_id: str, given: str) -> str:
        """The person's language when the directory names one, else the configured default."""
        person = self.directory.people.get(person_id)
        if person is not None and "language" in person.model_fields_set:
            return given
        return self.default_language
