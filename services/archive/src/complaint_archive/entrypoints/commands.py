"""The maintenance commands: `complaint-archive rebuild` and `complaint-archive purge`."""

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

from ..service_layer import Archive, rebuild, request_purges

Opener = Callable[..., AbstractAsyncContextManager[Archive]]
"""`opener(publishing=...)`: the archive for a command, with a Kafka producer when it publishes
(bootstrap.command_archive)."""


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(
        prog="complaint-archive",
        description="The archive service; settings come from the environment.",
    )
    commands = root.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the service: consumer and REST API (the default)")
    again = commands.add_parser(
        "rebuild",
        help="fold every complaint document again from the event log and replace the live one "
        "(stop the consumers first, or use --check)",
    )
    again.add_argument(
        "--check", action="store_true", help="only compare; exit 1 when a document differs"
    )
    purge = commands.add_parser(
        "purge",
        help="record RetentionPurged for every expired complaint not under legal hold "
        "(the running service removes the data when it consumes the event)",
    )
    purge.add_argument("--limit", type=int, default=None, help="most complaints this run")
    return root


def run_command(argv: list[str] | None, opener: Opener, *, purge_limit: int) -> int | None:
    """The exit code of the command asked for, or None when the service should run."""
    args = parser().parse_args(argv)
    if args.command == "rebuild":
        return asyncio.run(_rebuild(opener, check=args.check))
    if args.command == "purge":
        return asyncio.run(_purge(opener, limit=args.limit or purge_limit))
    return None


async def _rebuild(opener: Opener, *, check: bool) -> int:
    async with opener(publishing=False) as archive:
        report = await rebuild(archive, write=not check)
    _print(
        rebuilt=report.documents,
        different=len(report.different),
        first_different=report.different[:20],
        documents_without_events=report.without_events[:20],
        written=not check,
    )
    return 1 if check and report.different else 0


async def _purge(opener: Opener, *, limit: int) -> int:
    async with opener(publishing=True) as archive:
        requested = await request_purges(archive, limit=limit)
    _print(purges_requested=requested)
    return 0


def _print(**report: Any) -> None:
    json.dump(report, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
