"""What this benchmark takes from the services' own benches (scripts, not packages: their
folders go on sys.path, as when they run on their own):

- intake (`run.py`, `stack.py`): `body`, a realistic ~600-byte submission; `raw_baseline`,
  Kafka produce then consume with aiokafka; `CpuMeter`, CPU seconds per process from /proc;
- archive (`synthetic.py`): `complaint_events`, a realistic complaint's events;
- notifier (`timer_lag.py`): `measure_timer_lag`, its real scheduler from due to sent.
"""

import sys
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[1] / "services"
for folder in ("intake", "archive", "notifier"):
    sys.path.insert(0, str(SERVICES / folder / "bench"))

from run import body, raw_baseline  # type: ignore[import-not-found]  # noqa: E402
from stack import CpuMeter  # type: ignore[import-not-found]  # noqa: E402
from synthetic import complaint_events  # type: ignore[import-not-found]  # noqa: E402
from timer_lag import measure_timer_lag  # type: ignore[import-not-found]  # noqa: E402

__all__ = ["CpuMeter", "body", "complaint_events", "measure_timer_lag", "raw_baseline"]
