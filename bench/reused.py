"""What this benchmark takes from the per-service benchmarks beside it:

- intake (`bench.intake.run`, `bench.intake.stack`): `body`, a realistic ~600-byte submission;
  `raw_baseline`, Kafka produce then consume with aiokafka; `CpuMeter`, CPU seconds per process
  from /proc;
- archive (`bench.archive.synthetic`): `complaint_events`, a realistic complaint's events;
- notifier (`bench.notifier.timer_lag`): `measure_timer_lag`, its real scheduler from due to sent.
"""

from .archive.synthetic import complaint_events
from .intake.run import body, raw_baseline
from .intake.stack import CpuMeter
from .notifier.timer_lag import measure_timer_lag

__all__ = ["CpuMeter", "body", "complaint_events", "measure_timer_lag", "raw_baseline"]
