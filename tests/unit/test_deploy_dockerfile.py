"""The Dockerfile, read without a container engine: targets, users, entry points, build context.

No engine and no hadolint package exist here, so the structure is checked in Python (a few of
hadolint's rules included); test_deploy_image_build.py runs the build stages' own `uv sync`
commands on a copy of the build context.
"""

from __future__ import annotations

import importlib
import json
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["intake", "classifier", "notifier", "archive"]
APP_UID = 10001


@dataclass
class Instruction:
    keyword: str
    args: str

    def flags(self) -> dict[str, str]:
        return dict(re.findall(r"--([\w-]+)=(\S+)", self.args))

    def words(self) -> list[str]:
        """The arguments without leading --flags, exec form (JSON) or shell words."""
        rest = re.sub(r"^(--[\w-]+=\S+\s+)*", "", self.args)
        if rest.startswith("["):
            return list(json.loads(rest))
        return shlex.split(rest)


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[Instruction] = field(default_factory=list)

    def of(self, keyword: str) -> list[Instruction]:
        return [step for step in self.instructions if step.keyword == keyword]


def parse(text: str) -> tuple[dict[str, str], dict[str, Stage]]:
    """Global ARG defaults and the stages by name (an unnamed stage is named by its index)."""
    joined = re.sub(r"\\\n", " ", text)
    args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for line in joined.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        step = Instruction(keyword.upper(), rest.strip())
        if step.keyword == "FROM":
            words = step.words()
            name = words[2] if len(words) > 2 and words[1].lower() == "as" else str(len(stages))
            base = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), words[0])
            current = stages[name] = Stage(name, base)
        elif current is None and step.keyword == "ARG":
            key, _, value = step.args.partition("=")
            args[key] = value
        elif current is not None:
            current.instructions.append(step)
    return args, stages


def chain(stages: dict[str, Stage], name: str) -> list[Stage]:
    """The stage and the stages it is built FROM, base first."""
    stage = stages[name]
    return [*chain(stages, stage.base), stage] if stage.base in stages else [stage]


ARGS, STAGES = parse((ROOT / "Dockerfile").read_text())


def last(name: str, keyword: str) -> Instruction:
    found = [step for stage in chain(STAGES, name) for step in stage.of(keyword)]
    assert found, f"target {name} has no {keyword}"
    return found[-1]


# ---- targets, users, entry points ----------------------------------------------------------------

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_a_target_that_ends_as_the_unprivileged_user(service: str) -> None:
    target = STAGES[service]
    assert target.instructions[-1].keyword in {"ENTRYPOINT", "CMD"}
    assert target.instructions[-2].keyword == "USER", "USER must be set right before the start"
    user = last(service, "USER").args.split(":")[0]
    assert user not in {"0", "root"} and int(user) == APP_UID


@pytest.mark.parametrize("service", SERVICES)
def test_the_entry_point_is_the_console_script_of_the_service(service: str) -> None:
    project = tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())
    scripts = project["project"]["scripts"]
    assert scripts == {f"complaint-{service}": f"complaint_{service}.app:main"}
    assert last(service, "ENTRYPOINT").words() == [f"complaint-{service}"]


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_image_holds_only_its_own_built_environment(service: str) -> None:
    copies = [(step.flags().get("from"), step.words()[0]) for step in STAGES[service].of("COPY")]
    built = [stage for stage, _ in copies if stage]
    data = [source for stage, source in copies if not stage]
    assert built == [f"build-{service}"] and copies[0] == (f"build-{service}", "/app/.venv")
    assert all(source.startswith("deploy/") for source in data), "no sources, only data files"
    sync = [step.args for step in STAGES[f"build-{service}"].of("RUN")]
    package = f"--package complaint-{service}"
    assert all("--frozen --no-dev --no-editable" in run and package in run for run in sync)
    assert sync[-1].rstrip().endswith(package), "the last sync installs the service itself"


@pytest.mark.parametrize("service", SERVICES)
def test_the_final_image_has_no_build_tools(service: str) -> None:
    for stage in chain(STAGES, service):
        assert not stage.name.startswith("build"), f"{service} is built FROM {stage.name}"
        for run in stage.of("RUN"):
            assert not re.search(r"\b(apt-get|apk|pip|uv|gcc|make)\b", run.args), run.args
    assert STAGES["runtime"].base == STAGES["build"].base, "the venv's interpreter path must hold"


def test_the_base_images_are_pinned() -> None:
    assert ARGS["PYTHON_IMAGE"] == "python:3.11-slim-bookworm"
    assert STAGES["uv"].base == "ghcr.io/astral-sh/uv:0.13.8"
    for stage in STAGES.values():
        image = stage.base
        if image in STAGES:
            continue
        assert ":" in image.rsplit("/", 1)[-1], f"{image} has no tag (hadolint DL3006)"
        assert not image.endswith(":latest"), f"{image} (hadolint DL3007)"


def test_every_workspace_member_is_copied_before_the_lock_is_used() -> None:
    copied = {step.words()[0] for step in STAGES["build"].of("COPY")}
    members = {"shared/pyproject.toml"} | {
        str(path.relative_to(ROOT)) for path in ROOT.glob("services/*/pyproject.toml")
    }
    assert members <= copied, f"uv sync --frozen needs every member: missing {members - copied}"


def test_the_tools_target_can_create_the_topics() -> None:
    assert last("tools", "USER").args.startswith(str(APP_UID))
    assert last("tools", "CMD").words() == ["python", "deploy/local/topics.py"]
    copied = [step.words()[0] for step in STAGES["tools"].of("COPY")]
    assert "deploy/local/topics.py" in copied


def test_the_health_check_asks_for_readiness_on_the_service_port() -> None:
    check = last("intake", "HEALTHCHECK").args
    assert "/health/ready" in check and "HTTP_PORT" in check
    env = " ".join(step.args for step in STAGES["runtime"].of("ENV"))
    assert "HTTP_HOST=0.0.0.0" in env and "HTTP_PORT=8000" in env
    assert STAGES["runtime"].of("EXPOSE")[0].args == "8000"


def test_small_lint_of_the_whole_file() -> None:
    for stage in STAGES.values():
        for step in stage.instructions:
            assert step.keyword != "ADD", "COPY, not ADD (hadolint DL3020)"
            if step.keyword in {"ENTRYPOINT", "CMD"}:
                assert step.args.startswith("["), "exec form, so signals reach Python (DL3025)"
            if step.keyword == "WORKDIR":
                assert step.args.startswith("/"), "absolute WORKDIR (DL3000)"
            if step.keyword == "RUN":
                assert not re.search(r"\b(sudo|cd)\b", step.args), step.args


@pytest.mark.parametrize("service", SERVICES)
def test_the_entry_point_of_the_image_is_importable(service: str) -> None:
    """Fails, naming the service, until that service's app module exists."""
    module_name = f"complaint_{service}.app"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as missing:
        if missing.name != module_name:
            raise
        pytest.fail(f"{service} is not built yet: {module_name} does not exist")
    assert callable(getattr(module, "main", None)), f"{module_name} has no main()"


# ---- the build context ---------------------------------------------------------------------------


def ignore_patterns() -> list[tuple[bool, re.Pattern[str]]]:
    """.dockerignore as (is_exception, regex), with Docker's pattern syntax."""
    patterns = []
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        glob = line.lstrip("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]")
        patterns.append((exception, re.compile(regex)))
    return patterns


def in_context(path: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    included = True
    for exception, regex in patterns:
        if any(regex.fullmatch(prefix) for prefix in prefixes):
            included = exception
    return included


def context_files() -> set[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    patterns = ignore_patterns()
    return {path for path in listed if in_context(path, patterns)}


def context_sources() -> set[str]:
    return {
        step.words()[0].rstrip("/")
        for stage in STAGES.values()
        for step in stage.of("COPY")
        if "from" not in step.flags()
    }


def test_the_build_context_holds_everything_the_dockerfile_copies() -> None:
    files = context_files()
    for source in context_sources():
        tracked = [path for path in files if path == source or path.startswith(source + "/")]
        assert tracked, f"COPY {source}: nothing of it is in the build context"
    for source in ["deploy/policies", "deploy/calendars", "shared/src"]:
        on_disk = {str(p.relative_to(ROOT)) for p in (ROOT / source).rglob("*") if p.is_file()}
        on_disk = {path for path in on_disk if "__pycache__" not in path}
        assert on_disk <= files, f"left out of the context: {sorted(on_disk - files)[:5]}"


def test_the_build_context_leaves_out_tests_environments_and_caches() -> None:
    files = context_files()
    patterns = ignore_patterns()
    for path in [
        ".venv/bin/python",
        ".stack/kafka/x",
        ".stack/mongo/secantusd-rs-0.5.3-beta.196",  # the GPL test server never ships
        ".git/config",
        "tests/unit/a.py",
        "services/intake/tests/test_a.py",
        "shared/tests/test_a.py",
        ".env",
        "services/intake/src/complaint_intake/__pycache__/a.cpython-311.pyc",
    ]:
        assert not in_context(path, patterns), path
    assert all(
        path.split("/")[0] in {"pyproject.toml", "uv.lock", "shared", "services", "deploy"}
        for path in files
    )
    assert not any("secantus" in path for path in files)
