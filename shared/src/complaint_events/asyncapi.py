"""An AsyncAPI 3.0 document for the whole system, built from the catalogue and the models."""

import json
from typing import Any

from pydantic.json_schema import models_json_schema

from .base import EventPayload
from .codec import header_map
from .envelope import envelope_type
from .examples import AT, COMPLAINT_ID, example_payloads
from .registry import ALL_EVENTS
from .schemas import pin_metadata
from .topics import TOPICS, TopicSpec, topic_for_event_type

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
DOCUMENT_VERSION = "1.0.0"
EXAMPLE_EVENT_ID = "018f4c5e-2a00-7000-8000-000000000001"


def build_asyncapi() -> dict[str, Any]:
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Complaint-handling backbone",
            "version": DOCUMENT_VERSION,
            "description": "Every topic, event type and the services that send and receive them.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {"host": "localhost:9092", "protocol": "kafka", "description": "Local stack"}
        },
        "channels": {_channel_id(spec): _channel(spec) for spec in TOPICS},
        "operations": _operations(),
        "components": {"messages": _messages(), "schemas": _schemas()},
    }


def _channel_id(spec: TopicSpec) -> str:
    return spec.name.replace(".", "_")


def _channel(spec: TopicSpec) -> dict[str, Any]:
    topic_config: dict[str, Any] = {
        "cleanup.policy": spec.cleanup_policy.split(","),
        "retention.ms": spec.retention_ms,
    }
    description = spec.description
    if spec.personal_data:
        description += (
            f" Carries personal data ({spec.personal_data}): kept for a finite retention the "
            "operator sets (TOPIC_PERSONAL_DATA_RETENTION_MS); the archive is the system of record."
        )
    return {
        "address": spec.name,
        "description": description,
        "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in spec.event_types},
        "bindings": {
            "kafka": {
                "topic": spec.name,
                "partitions": spec.partitions,
                "replicas": spec.replication_factor,
                "topicConfiguration": topic_config,
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _operations() -> dict[str, Any]:
    operations: dict[str, Any] = {}
    for spec in TOPICS:
        channel = _channel_id(spec)
        for action, services in (("send", spec.producers), ("receive", spec.consumers)):
            for service in services:
                operations[f"{service}_{action}_{channel}"] = {
                    "action": action,
                    "channel": {"$ref": f"#/channels/{channel}"},
                    "messages": [
                        {"$ref": f"#/channels/{channel}/messages/{name}"}
                        for name in spec.event_types
                    ],
                    "tags": [{"name": service}],
                }
    return operations


def _messages() -> dict[str, Any]:
    return {event.event_type: _message(event) for event in ALL_EVENTS}


def _message(event: type[EventPayload]) -> dict[str, Any]:
    example = _example(event)
    return {
        "name": event.event_type,
        "title": event.event_type,
        "summary": (event.__doc__ or event.event_type).strip().splitlines()[0],
        "contentType": "application/json",
        "headers": _headers_schema(event),
        "payload": {"$ref": f"#/components/schemas/{_schema_name(event)}"},
        "correlationId": {"location": "$message.payload#/correlation_id"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": _key_description(event)},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "examples": [
            {"name": "example", "headers": header_map(example), "payload": _json(example)}
        ],
    }


def _headers_schema(event: type[EventPayload]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["event_type", "schema_version", "event_id", "content-type"],
        "properties": {
            "event_type": {"type": "string", "const": event.event_type},
            "schema_version": {"type": "string", "const": str(event.schema_version)},
            "event_id": {"type": "string", "description": "UUIDv7, same as in the body."},
            "content-type": {"type": "string", "const": "application/json"},
        },
    }


def _key_description(event: type[EventPayload]) -> str:
    if event.event_type == "ComplaintSubmitted":
        return "source_system/external_reference"
    if not event.requires_complaint_id:
        return "complaint_id, or the event_id when the complaint is unknown"
    return "complaint_id"


def _example(event: type[EventPayload]) -> Any:
    payload = example_payloads()[event.event_type]
    return envelope_type(event)(
        event_id=EXAMPLE_EVENT_ID,
        event_type=event.event_type,
        schema_version=event.schema_version,
        occurred_at=AT,
        complaint_id=COMPLAINT_ID if event.requires_complaint_id else None,
        correlation_id=EXAMPLE_EVENT_ID,
        producer=_example_producer(event),
        payload=payload,
    )


def _example_producer(event: type[EventPayload]) -> str:
    producers = topic_for_event_type(event.event_type).producers
    return next(service for service in producers if service != "external")


def _json(model: Any) -> Any:
    return json.loads(model.model_dump_json())


def _schema_name(event: type[EventPayload]) -> str:
    return f"{event.event_type}Message"


def _schemas() -> dict[str, Any]:
    models = [(envelope_type(event), "validation") for event in ALL_EVENTS]
    keys, document = models_json_schema(models, ref_template="#/components/schemas/{model}")  # type: ignore[arg-type]
    schemas: dict[str, Any] = dict(document.get("$defs", {}))
    for event in ALL_EVENTS:
        reference = keys[(envelope_type(event), "validation")]["$ref"]
        schemas[_schema_name(event)] = schemas.pop(reference.rsplit("/", 1)[-1])
        schemas[_schema_name(event)]["title"] = f"{event.event_type} message"
        pin_metadata(schemas[_schema_name(event)]["properties"], event)
    return dict(sorted(schemas.items()))
