"""The archive's own benchmarks: ingest rate and p50/p99 of get, search and reports at size
(`python -m bench.archive.bench_archive`, results in bench/archive/results/), and the consumer
path's own CPU cost (`python -m bench.archive.bench_consumer_cpu`). The system benchmark reuses
`complaint_events` (synthetic.py)."""
