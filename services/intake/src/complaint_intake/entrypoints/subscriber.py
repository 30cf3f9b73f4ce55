"""The submitted topic: submissions in (bare or enveloped), `ComplaintReceived` or dead letters
out, through the runtime's consumer pipeline (the offsets commit after every message of a
batch was published as a complaint or dead-lettered)."""

from collections.abc import Sequence

from complaint_events import SUBMITTED, DecodeError
from complaint_runtime import Consumed, Input, KafkaRecord, Service

from ..domain.parsing import Incoming, parse_submission
from ..domain.refusals import Refusal
from ..service_layer import receive
from .deps import Wiring


def consume_submissions(service: Service, wiring: Wiring) -> None:
    settings, metrics = wiring.settings, wiring.metrics

    def read(record: KafkaRecord) -> Incoming | DecodeError:
        parsed = parse_submission(
            record.value or b"",
            list(record.headers or ()),
            default_channel=settings.kafka_default_channel,
            max_bytes=settings.max_body_bytes,
            phone_region=settings.phone_region,
            policies=wiring.policies.by_id.keys(),
        )
        return parsed if isinstance(parsed, Incoming) else _refused(parsed)

    async def handle(batch: Sequence[Consumed[Incoming]]) -> list[DecodeError | None]:
        intake, _ = wiring.ready()
        results = await receive(intake, [consumed.item for consumed in batch])
        verdicts: list[DecodeError | None] = []
        for result in results:
            if isinstance(result, Refusal):
                verdicts.append(_refused(result))
            else:
                (metrics.duplicates if result.duplicate else metrics.received).labels("kafka").inc()
                verdicts.append(None)
        return verdicts

    def _refused(refusal: Refusal) -> DecodeError:
        metrics.rejected.labels("kafka", refusal.reason.value).inc()
        return refusal.as_decode_error()

    service.consume(
        Input(SUBMITTED),
        handle=handle,
        doing="receive",
        decode=read,
        co_partitioned=False,
        parts=settings.kafka_parts,
        letter_bytes=settings.max_body_bytes,
        batch_size=metrics.batch_size.labels("kafka").observe,
    )
