"""The system benchmark (`make bench`, `python -m bench.run`): raw baselines, end-to-end
throughput and latency of the four services, timer lag, memory, and where the time goes.

It prints and writes numbers; it is not a test. See bench/README.md.
"""
