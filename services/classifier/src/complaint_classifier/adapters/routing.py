"""`<policies>/routing.yaml`: the policy of a complaint whose submission names none."""

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..service_layer import ConfigurationError

ROUTING_FILE = "routing.yaml"


class Routing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: str = Field(min_length=1, description="The policy of every source not listed.")
    sources: dict[str, str] = Field(default_factory=dict, description="Source system → policy.")


def load_routing(policies_dir: Path) -> Routing | None:
    """None where the folder has no routing file; `ConfigurationError` naming the file when
    it cannot be read."""
    path = policies_dir / ROUTING_FILE
    if not path.exists():
        return None
    try:
        return Routing.model_validate(yaml.safe_load(path.read_text("utf-8")))
    except (yaml.YAMLError, ValidationError) as error:
        raise ConfigurationError(f"{path}: {error}") from error
