"""The process: `main()` runs one of the maintenance commands (`complaint-archive --help`) or
serves the app `bootstrap.build` composes."""

import sys
from functools import partial

from complaint_runtime import configure_logging, serve

from .bootstrap import SERVICE, build, command_archive
from .entrypoints.commands import run_command
from .settings import ArchiveSettings

__all__ = ["build", "main"]


def main(argv: list[str] | None = None) -> None:
    settings = ArchiveSettings()
    configure_logging(SERVICE, settings.log_level)
    opener = partial(command_archive, settings)
    code = run_command(argv, opener, purge_limit=settings.purge_batch_size)
    if code is not None:
        sys.exit(code)
    serve(build(settings), settings)
