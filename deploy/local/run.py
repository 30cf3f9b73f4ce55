"""`make run` and `make demo`: the whole system on this machine, fed with the demo complaints.

Starts the local stack (unless it already runs), creates the topics, starts a local SMTP server
and webhook receiver (every notice stays on this machine), the four services as their own
processes, and a real Prometheus scraping them; feeds the demo set (REST and Kafka), waits until
it has flowed through and prints a summary. `make run` then runs until Ctrl-C; `make demo`
(`--demo`) exits: 0 when every demo complaint came out archived, classified and with its
deadlines and notices as its policy says, 1 otherwise (one line per problem). Either way it
stops everything it started, the stack only if it was not running before.

Environment: API_KEY (default: a new key, written to .stack/local/api-key), INTAKE_PORT,
CLASSIFIER_PORT, NOTIFIER_PORT, ARCHIVE_PORT (8001-8004), PROMETHEUS_PORT (9090),
DEMO_TIMEOUT (seconds to wait for the demo to flow through, 180), TOPIC_PREFIX.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from types import FrameType

from complaint_classifier.adapters.routing import load_routing
from deploy.local.demo import load_demo, policy_by_source
from deploy.local.demo_privacy import Sinks
from deploy.local.demo_summary import render, totals
from deploy.local.demo_verify import Expectations, Outcome, feed_and_verify
from deploy.local.prometheus import Prometheus, PrometheusError, port_in_use
from deploy.local.system import (
    DEFAULT_PORTS,
    HookReceiver,
    LocalConfig,
    Mailbox,
    ServiceFailed,
    System,
    local_config,
)
from deploy.local.topics import ensure_topics

ROOT = Path(__file__).resolve().parents[2]
STACK = [sys.executable, str(ROOT / "deploy" / "local" / "stack.py")]
WORKDIR = ROOT / ".stack" / "local"
PROMETHEUS_DIR = ROOT / ".stack" / "prometheus"
POLICIES = ROOT / "deploy" / "policies"


class RunFailed(RuntimeError):
    """A one-line reason to stop."""


def service_ports() -> dict[str, int]:
    return {
        name: int(os.environ.get(f"{name.upper()}_PORT", default))
        for name, default in DEFAULT_PORTS.items()
    }


def check_ports(ports: Mapping[str, int]) -> None:
    for name, port in ports.items():
        if port_in_use(port):
            variable = "PROMETHEUS_PORT" if name == "prometheus" else f"{name.upper()}_PORT"
            raise RunFailed(
                f"port {port} ({name}) is in use by another program; stop it or set {variable}"
            )


def stack(*action: str) -> str:
    done = subprocess.run([*STACK, *action], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RunFailed(done.stderr.strip())
    return done.stdout.strip()


def start_stack(started: contextlib.ExitStack) -> dict[str, str]:
    """Stack up; on exit stop the servers this run started (not those already running)."""
    stopped = [line.split(":")[0] for line in stack("status").splitlines() if "running" not in line]
    print(stack("up"))
    for server in stopped:
        started.callback(stop_server, server)
    exports = (line.removeprefix("export ").split("=", 1) for line in stack("env").splitlines())
    return dict(exports)


def stop_server(server: str) -> None:
    print(stack("down", server))


def api_key() -> str:
    """API_KEY, or a new key; written to .stack/local/api-key (readable by this user only)."""
    key = os.environ.get("API_KEY") or secrets.token_urlsafe(24)
    WORKDIR.mkdir(parents=True, exist_ok=True)
    path = WORKDIR / "api-key"
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(key + "\n", encoding="utf-8")
    return key


def start_sinks(started: contextlib.ExitStack) -> tuple[Mailbox, HookReceiver, str]:
    secret = secrets.token_hex(32)
    mailbox = Mailbox().start()
    started.callback(mailbox.stop)
    hooks = HookReceiver(secret).start()
    started.callback(hooks.stop)
    return mailbox, hooks, secret


def start_services(
    started: contextlib.ExitStack, config: LocalConfig, ports: dict[str, int]
) -> System:
    system = System(config.env, WORKDIR / "logs", ports=ports)
    print(f"starting the services (logs: {WORKDIR / 'logs'}) ...", flush=True)
    system.start()
    started.callback(system.stop)
    for name in ports:
        print(f"{name}: ready at {system.url(name)}")
    return system


def start_prometheus(started: contextlib.ExitStack, ports: dict[str, int], port: int) -> Prometheus:
    prometheus = Prometheus(PROMETHEUS_DIR, ports, port=port).start()
    started.callback(prometheus.stop)
    print(f"prometheus: ready at {prometheus.url}")
    return prometheus


def where(system: System, prometheus: Prometheus, env: Mapping[str, str]) -> dict[str, str]:
    places = {
        name: f"{system.url(name)}   API docs {system.url(name)}/docs" for name in system.services
    }
    places["Prometheus"] = f"{prometheus.url}   (targets /targets, alerts /alerts, rules /rules)"
    places["Kafka"] = env["KAFKA_BOOTSTRAP_SERVERS"]
    places["MongoDB"] = env["MONGODB_URI"]
    places["logs"] = str(WORKDIR / "logs")
    places["API key"] = f"{WORKDIR / 'api-key'}   (header X-API-Key)"
    return places


def report(outcomes: list[Outcome], demo_mode: bool, seconds: float, took: float) -> bool:
    problems = [line for outcome in outcomes for line in outcome.lines()]
    if not problems:
        print(
            "demo: every complaint archived, classified, with its deadlines and notices as "
            f"its policy says ({took:.0f}s from the first submission to the last check)"
        )
        return True
    print(f"demo: {len(problems)} problem(s) after waiting {seconds:.0f}s (DEMO_TIMEOUT):")
    for line in problems:
        print(f"  {line}")
    if not demo_mode:
        print(f"demo: the system keeps running; the services' logs are in {WORKDIR / 'logs'}")
    return False


def wait_for_interrupt(system: System) -> None:
    print("\nRunning. Ctrl-C stops everything this command started.", flush=True)
    gone: set[str] = set()
    while True:
        time.sleep(2)
        for name, service in system.services.items():
            if name not in gone and not service.running():
                gone.add(name)
                print(f"run: {name} exited; see {service.log}", flush=True)


def run(demo_mode: bool) -> int:
    ports = service_ports()
    prometheus_port = int(os.environ.get("PROMETHEUS_PORT", "9090"))
    check_ports({**ports, "prometheus": prometheus_port})
    demo = load_demo()
    with contextlib.ExitStack() as started:
        env = start_stack(started)
        prefix = os.environ.get("TOPIC_PREFIX", "")
        created = asyncio.run(ensure_topics(env["KAFKA_BOOTSTRAP_SERVERS"], prefix))
        print(f"topics: {len(created)} created")
        key = api_key()
        mailbox, hooks, secret = start_sinks(started)
        config = local_config(
            WORKDIR,
            kafka=env["KAFKA_BOOTSTRAP_SERVERS"],
            mongodb_uri=env["MONGODB_URI"],
            smtp_port=mailbox.port,
            hooks_url=hooks.url,
            topic_prefix=prefix,
            api_key=key,
            webhook_secret=secret,
            policy_by_source=policy_by_source(demo),
        )
        print(routing_text(policy_by_source(demo)), flush=True)
        system = start_services(started, config, ports)
        prometheus = start_prometheus(started, ports, prometheus_port)
        seconds = float(os.environ.get("DEMO_TIMEOUT", "180"))
        print(
            f"feeding {len(demo)} demo complaints; waiting up to {seconds:.0f}s ...",
            flush=True,
        )
        fed_at = time.monotonic()
        outcomes = asyncio.run(
            feed_and_verify(
                demo,
                run_tag=time.strftime("demo-%Y%m%dT%H%M%S-") + secrets.token_hex(2),
                urls={name: system.url(name) for name in ports},
                api_key=key,
                bootstrap=env["KAFKA_BOOTSTRAP_SERVERS"],
                topic_prefix=prefix,
                expectations=Expectations.load(
                    policies_dir=ROOT / "deploy" / "policies",
                    calendars_dir=ROOT / "deploy" / "calendars",
                    directory_file=config.directory,
                ),
                sinks=Sinks(mailbox, hooks),
                seconds=seconds,
            )
        )
        print()
        print(render(totals(outcomes, mailbox, hooks), outcomes, where(system, prometheus, env)))
        print()
        passed = report(outcomes, demo_mode, seconds, time.monotonic() - fed_at)
        if demo_mode:
            return 0 if passed else 1
        wait_for_interrupt(system)
    return 0


def interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def routing_text(demo_sources: dict[str, str]) -> str:
    """Which policy each source system's complaints get: the routing file, then the demo's."""
    routing = load_routing(POLICIES)
    file_sources = routing.sources if routing else {}
    lines = [f"routing ({POLICIES / 'routing.yaml'}; a submission's policy_id wins):"]
    lines += [f"  {source} -> {policy}" for source, policy in sorted(file_sources.items())]
    lines += [
        f"  {source} -> {policy}   (demo, CLASSIFIER_POLICY_BY_SOURCE)"
        for source, policy in sorted(demo_sources.items())
    ]
    lines.append(
        f"  any other source -> {routing.default if routing else 'CLASSIFIER_DEFAULT_POLICY'}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", action="store_true", help="exit after checking the demo")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGINT, interrupt)  # also when started with SIGINT ignored (`&`)
    try:
        return run(args.demo)
    except (RunFailed, ServiceFailed, PrometheusError) as error:
        print(f"run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nrun: stopped everything it started")
        return 0


if __name__ == "__main__":
    sys.exit(main())
