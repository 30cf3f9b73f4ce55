"""The classifier's own benchmarks: classifications per second on one core
(`python -m bench.classifier.bench_engine`) and end to end through Kafka
(`python -m bench.classifier.bench_kafka`)."""
