"""Reading the YAML data files under deploy/ into validated models."""

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

M = TypeVar("M", bound=BaseModel)


class DataFile(BaseModel):
    """Base of every file model: unknown keys are typos, so they are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class DataFileError(ValueError):
    """A data file that cannot be used; the message names the file and each bad field."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


def parse_file(path: Path, model: type[M], **context: Any) -> M:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise DataFileError(path, [str(error)]) from error
    try:
        return model.model_validate(data, context=context or None)
    except ValidationError as error:
        raise DataFileError(path, [_describe(problem) for problem in error.errors()]) from error


def _describe(problem: Any) -> str:
    where = ".".join(str(part) for part in problem["loc"]) or "(file)"
    return f"{where}: {problem['msg']}"
