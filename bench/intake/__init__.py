"""Intake's own benchmark (`python -m bench.intake.run`): its Kafka and HTTP paths beside a raw
Kafka baseline, on a private stack. The system benchmark reuses `body`, `raw_baseline` and
`CpuMeter` from here."""
