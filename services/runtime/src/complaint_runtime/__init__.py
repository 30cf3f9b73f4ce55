"""What every complaint service runs on: settings, Kafka, dead letters, metrics, health, keys."""

from .app import create_app, serve
from .auth import ApiKeys, Caller, require
from .consumer import (
    Consumed,
    Input,
    KafkaRecord,
    Pipeline,
    Verdicts,
    by_complaint,
    read_events,
)
from .dead_letters import DeadLetters
from .kafka import (
    admin_client,
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
from .retry import TRANSIENT, briefly, for_a_while, is_transient, persistently, until_done
from .settings import DATA_DIR, BatchSize, BatchWaitMs, ServiceSettings
from .shell import Service, Wiring, api_keys, utc_now, wiring_of

__all__ = [
    "DATA_DIR",
    "DUPLICATE_KEY",
    "PROBLEM_JSON",
    "TRANSIENT",
    "ApiKeys",
    "BatchSize",
    "BatchWaitMs",
    "Caller",
    "Check",
    "Consumed",
    "DeadLetters",
    "Input",
    "KafkaRecord",
    "Pipeline",
    "Problem",
    "Service",
    "ServiceSettings",
    "Verdicts",
    "Wiring",
    "admin_client",
    "api_keys",
    "briefly",
    "by_complaint",
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
    "persistently",
    "problem",
    "problem_content",
    "problem_responses",
    "publish",
    "publish_all",
    "read_events",
    "require",
    "scrub",
    "security",
    "serve",
    "service_info",
    "text_index",
    "topic",
    "until_done",
    "utc_now",
    "wait_for_kafka",
    "wiring_of",
]
