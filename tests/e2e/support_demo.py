"""The four services with the demo's source systems mapped to their presets, for the demo and
Prometheus tests: free ports, topics and databases of their own (dropped afterwards), and the
local SMTP server and webhook receiver every notice goes to."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from pymongo import AsyncMongoClient

from deploy.local.demo import load_demo, policy_by_source
from deploy.local.demo_privacy import Sinks
from deploy.local.demo_verify import Expectations
from deploy.local.system import (
    DEPLOY,
    NAMES,
    HookReceiver,
    LocalConfig,
    Mailbox,
    System,
    free_port,
    local_config,
)
from deploy.local.topics import delete_topics, ensure_topics


@dataclass
class DemoSystem:
    system: System
    config: LocalConfig
    bootstrap: str
    topic_prefix: str
    mailbox: Mailbox
    hooks: HookReceiver

    @property
    def urls(self) -> dict[str, str]:
        return {name: self.system.url(name) for name in NAMES}

    @property
    def sinks(self) -> Sinks:
        return Sinks(self.mailbox, self.hooks)

    @property
    def ports(self) -> dict[str, int]:
        return {name: self.system[name].port for name in NAMES}

    def expectations(self) -> Expectations:
        return Expectations.load(
            policies_dir=DEPLOY / "policies",
            calendars_dir=DEPLOY / "calendars",
            directory_file=self.config.directory,
        )


@contextlib.asynccontextmanager
async def demo_system(
    workdir: Path, *, bootstrap: str, mongodb_uri: str, name: str
) -> AsyncIterator[DemoSystem]:
    """`name` keeps this system's topics (`<name>.` prefix) and databases apart."""
    prefix, suffix = f"{name}.", f"_{name.replace('-', '_')}"
    secret = secrets.token_hex(32)
    mailbox, hooks = Mailbox().start(), HookReceiver(secret).start()
    config = local_config(
        workdir,
        kafka=bootstrap,
        mongodb_uri=mongodb_uri,
        smtp_port=mailbox.port,
        hooks_url=hooks.url,
        topic_prefix=prefix,
        database_suffix=suffix,
        webhook_secret=secret,
        policy_by_source=policy_by_source(load_demo()),
    )
    await ensure_topics(bootstrap, prefix)
    ports = {service: free_port() for service in NAMES}
    system = System(config.env, workdir / "logs", ports=ports, database_suffix=suffix)
    try:
        system.start()
        yield DemoSystem(system, config, bootstrap, prefix, mailbox, hooks)
    finally:
        system.stop()
        mailbox.stop()
        hooks.stop()
        await delete_topics(bootstrap, prefix)
        await drop_databases(mongodb_uri, suffix)


async def drop_databases(mongodb_uri: str, suffix: str) -> None:
    client: AsyncMongoClient = AsyncMongoClient(mongodb_uri)
    try:
        for service in NAMES:
            await client.drop_database(f"{service}{suffix}")
    finally:
        await client.close()
