"""Who holds a role (deploy/directory.yaml), and the pure resolver from role to people."""

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, StringConstraints, model_validator

from .files import DataFile, parse_file

PersonId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,64}$")]


class Person(DataFile):
    name: str
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+$")
    webhook: str | None = Field(default=None, pattern=r"^https?://\S+$")
    language: Literal["zh", "en"] = "zh"

    @model_validator(mode="after")
    def _reachable(self) -> Self:
        if self.email is None and self.webhook is None:
            raise ValueError("a person needs an email or a webhook")
        return self


class Role(DataFile):
    description: str = ""
    respondent_side: bool = Field(
        default=False, description="Belongs to the party complained about: gets redacted notices."
    )
    sees_complainant: bool = Field(
        default=False, description="May see the complainant's name and contact details."
    )
    people: list[PersonId] = Field(default_factory=list)
    departments: dict[str, list[PersonId]] = Field(default_factory=dict)
    policies: dict[str, list[PersonId]] = Field(default_factory=dict)

    def holders(self, department: str | None, policy_id: str | None) -> list[PersonId]:
        """The department's holders, else the policy's, else the role's default holders."""
        if department is not None and department in self.departments:
            return self.departments[department]
        if policy_id is not None and policy_id in self.policies:
            return self.policies[policy_id]
        return self.people


class Directory(DataFile):
    people: dict[PersonId, Person]
    roles: dict[str, Role]

    @model_validator(mode="after")
    def _people_exist(self) -> Self:
        for name, role in self.roles.items():
            named = [*role.people, *_flatten(role.departments), *_flatten(role.policies)]
            unknown = sorted(set(named) - set(self.people))
            if unknown:
                raise ValueError(f"role {name!r} names unknown people {unknown}")
        return self

    def missing_roles(self, roles: set[str]) -> set[str]:
        return roles - set(self.roles)


def _flatten(groups: dict[str, list[PersonId]]) -> list[PersonId]:
    return [person for members in groups.values() for person in members]


@dataclass(frozen=True)
class Recipient:
    person_id: str
    name: str
    email: str | None
    webhook: str | None
    language: str
    role: str
    respondent_side: bool
    sees_complainant: bool


def recipients(
    directory: Directory, role: str, department: str | None, *, policy_id: str | None = None
) -> list[Recipient]:
    """The people to notify for a role; empty when the directory does not know the role."""
    definition = directory.roles.get(role)
    if definition is None:
        return []
    return [
        _recipient(person_id, directory.people[person_id], role, definition)
        for person_id in definition.holders(department, policy_id)
    ]


def _recipient(person_id: str, person: Person, role: str, definition: Role) -> Recipient:
    return Recipient(
        person_id=person_id,
        name=person.name,
        email=person.email,
        webhook=person.webhook,
        language=person.language,
        role=role,
        respondent_side=definition.respondent_side,
        sees_complainant=definition.sees_complainant,
    )


def load_directory(path: Path) -> Directory:
    return parse_file(Path(path), Directory)
