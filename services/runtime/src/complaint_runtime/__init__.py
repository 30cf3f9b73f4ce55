"""What every complaint service runs on: settings, Kafka, dead letters, metrics, health, keys."""

from .app import create_app, serve
from .auth import ApiKeys, Caller, require
from .dead_letters import DeadLetters
from .kafka import (
    admin_client,
    batch_subscriber,
    group_id,
    make_broker,
    publish,
    publish_all,
    security,
    topic,
    wait_for_kafka,
)
from .mongo import DUPLICATE_KEY, insert_new, mongo_client, text_index
from .observability import (
    Check,
    configure_logging,
    health_router,
    kafka_check,
    mongo_check,
    scrub,
    service_info,
)
from .problems import PROBLEM_JSON, Problem, problem, problem_content, problem_responses
from .retry import TRANSIENT, for_a_while, is_transient, until_done
from .settings import ServiceSettings

__all__ = [
    "DUPLICATE_KEY",
    "PROBLEM_JSON",
    "TRANSIENT",
    "ApiKeys",
    "Caller",
    "Check",
    "DeadLetters",
    "Problem",
    "ServiceSettings",
    "admin_client",
    "batch_subscriber",
    "configure_logging",
    "create_app",
    "for_a_while",
    "group_id",
    "health_router",
    "insert_new",
    "is_transient",
    "kafka_check",
    "make_broker",
    "mongo_check",
    "mongo_client",
    "problem",
    "problem_content",
    "problem_responses",
    "publish",
    "publish_all",
    "require",
    "scrub",
    "security",
    "serve",
    "service_info",
    "text_index",
    "topic",
    "until_done",
    "wait_for_kafka",
]
