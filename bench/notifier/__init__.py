"""The notifier's own benchmarks: the durable schedule at size and timer lag
(`python -m bench.notifier.bench_schedule`), BusinessCalendar.add
(`python -m bench.notifier.bench_calendar`). The system benchmark reuses `measure_timer_lag`."""
