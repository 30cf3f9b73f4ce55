"""The system benchmark (`make bench`, `python -m bench.run`): raw baselines, end-to-end
throughput and latency of the four services, timer lag, memory, and where the time goes; and
each service's own benchmarks (bench/intake, bench/classifier, bench/notifier, bench/archive).

They print and write numbers; they are not tests. See bench/README.md.
"""
