"""The process: `main()` runs one of the maintenance commands (`complaint-archive --help`) or
serves the app `bootstrap.build` composes."""

import sys

from complaint_runtime import configure_logging, serve

from .bootstrap import SERVICE, build
from .entrypoints.commands import run_command
from .settings import ArchiveSettings

__all__ = ["build", "main"]


def main(argv: list[str] | None = None) -> None:
    settings = ArchiveSettings()
    configure_logging(SERVICE, settings.log_level)
    code = run_command(argv, settings)
    if code is not None:
        sys.exit(code)
    serve(build(settings), settings)
