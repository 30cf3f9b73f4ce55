"""JSON Schemas of every event as it travels: the envelope around each payload."""

import json
from typing import Any

from .base import EventPayload
from .envelope import envelope_type
from .registry import ALL_EVENTS

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_SCHEMA = "Envelope.json"


def schema_filename(event: type[EventPayload]) -> str:
    return f"{event.event_type}.v{event.schema_version}.json"


def event_schema(event: type[EventPayload]) -> dict[str, Any]:
    """The schema a consumer validates a message of this event type against."""
    schema = envelope_type(event).model_json_schema(mode="validation")
    pin_metadata(schema["properties"], event)
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": f"urn:complaint-events:{event.event_type}:v{event.schema_version}",
        **schema,
    }


def pin_metadata(properties: dict[str, Any], event: type[EventPayload]) -> None:
    # The envelope validator enforces these per type; say so in the schema too.
    properties["event_type"]["const"] = event.event_type
    properties["schema_version"]["const"] = event.schema_version
    if event.requires_complaint_id:
        complaint_id = properties["complaint_id"]
        complaint_id["anyOf"] = [b for b in complaint_id["anyOf"] if b.get("type") != "null"]


def envelope_schema() -> dict[str, Any]:
    """The envelope alone, with the payload left open."""
    schema = envelope_type(EventPayload).model_json_schema(mode="validation")
    schema["properties"]["payload"] = {"type": "object", "title": "Payload"}
    schema.pop("$defs", None)
    schema["title"] = "Envelope"
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": "urn:complaint-events:Envelope", **schema}


def all_schemas() -> dict[str, dict[str, Any]]:
    """File name → schema, for every event type plus the bare envelope."""
    schemas = {schema_filename(event): event_schema(event) for event in ALL_EVENTS}
    schemas[ENVELOPE_SCHEMA] = envelope_schema()
    return schemas


def render(document: dict[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, UTF-8, final newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
