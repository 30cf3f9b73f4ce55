"""The maintenance commands: `complaint-archive rebuild` and `complaint-archive purge`."""

import argparse
import asyncio
import json
import sys
from typing import Any

from prometheus_client import CollectorRegistry

from complaint_events import Envelope

from ..adapters.kafka import KafkaPublisher
from ..bootstrap import command_broker, open_archive, retention_policies
from ..metrics import ArchiveMetrics
from ..service_layer import rebuild, request_purges
from ..settings import ArchiveSettings


class NoPublishing:
    """The rebuild publishes nothing."""

    async def publish(self, event: Envelope[Any]) -> None:
        raise RuntimeError("the rebuild does not publish events")


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


def run_command(argv: list[str] | None, settings: ArchiveSettings) -> int | None:
    """The exit code of the command asked for, or None when the service should run."""
    args = parser().parse_args(argv)
    if args.command == "rebuild":
        return asyncio.run(_rebuild(settings, check=args.check))
    if args.command == "purge":
        return asyncio.run(_purge(settings, limit=args.limit or settings.purge_batch_size))
    return None


async def _rebuild(settings: ArchiveSettings, *, check: bool) -> int:
    metrics = ArchiveMetrics(CollectorRegistry())
    policies = retention_policies(settings)
    async with open_archive(settings, NoPublishing(), policies, metrics) as archive:
        report = await rebuild(archive, write=not check)
    _print(
        rebuilt=report.documents,
        different=len(report.different),
        first_different=report.different[:20],
        documents_without_events=report.without_events[:20],
        written=not check,
    )
    return 1 if check and report.different else 0


async def _purge(settings: ArchiveSettings, *, limit: int) -> int:
    broker = command_broker(settings)
    await broker.start()
    try:
        publisher = KafkaPublisher(broker, settings)
        metrics = ArchiveMetrics(CollectorRegistry())
        policies = retention_policies(settings)
        async with open_archive(settings, publisher, policies, metrics) as archive:
            requested = await request_purges(archive, limit=limit)
    finally:
        await broker.stop()
    _print(purges_requested=requested)
    return 0


def _print(**report: Any) -> None:
    json.dump(report, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
