"""The benchmark's pure parts: percentiles with complaints that never arrived, steady rates,
when a committed offset passed a record, the profile summary and the rendered report."""

import math

import pytest

from bench.compare import side_by_side
from bench.infra import server_name
from bench.profile import summarise
from bench.report import derive, markdown
from bench.stats import first_passing, latency_summary, nearest_rank, steady_rate

pytestmark = pytest.mark.unit


def test_nearest_rank_returns_an_observed_value() -> None:
    ordered = [float(n) for n in range(1, 101)]
    assert nearest_rank(ordered, 0.50) == 50.0
    assert nearest_rank(ordered, 0.99) == 99.0
    assert nearest_rank(ordered, 1.0) == 100.0
    assert nearest_rank([3.0], 0.99) == 3.0
    assert math.isnan(nearest_rank([], 0.5))


def test_a_missing_complaint_ranks_last_and_hides_the_percentiles_it_reaches() -> None:
    samples = [0.1] * 98 + [0.2, math.inf]
    summary = latency_summary(samples)
    assert summary == {
        "samples": 100,
        "p50_ms": 100.0,
        "p95_ms": 100.0,
        "p99_ms": 200.0,
        "max_ms": None,
        "missing": 1,
    }
    assert latency_summary([math.inf] * 3)["p50_ms"] is None


def test_steady_rate_is_taken_between_ten_and_ninety_percent() -> None:
    # 100 items: nothing for 10 s (start-up), then 10/s, then a slow tail
    samples = [(float(t), 0) for t in range(10)]
    samples += [(10.0 + t, min(100, 10 * t)) for t in range(1, 11)]
    assert steady_rate(samples, 100) == 10.0
    assert steady_rate([], 100) is None
    assert steady_rate([(0.0, 0), (1.0, 0)], 100) is None


def test_a_stage_that_never_finished_is_rated_on_what_it_did() -> None:
    samples = [(float(t), 5 * t) for t in range(11)]  # 50 of 1000 done, 5 per second
    assert steady_rate(samples, 1000) == 5.0


def test_an_item_passes_when_its_partition_commits_beyond_its_offset() -> None:
    positions = {"a": (0, 0), "b": (0, 5), "c": (1, 2), "d": (2, 0)}
    samples = [
        (1.0, {0: 0, 1: 2}),
        (2.0, {0: 1, 1: 3}),  # a (offset 0) and c (offset 2) are now behind the commits
        (3.0, {0: 5, 1: 3}),  # offset 5 is the next to read: b not yet
        (4.0, {0: 6, 1: 3}),
    ]
    assert first_passing(positions, samples) == {"a": 2.0, "c": 2.0, "b": 4.0}


def test_profile_summary_counts_self_time_by_function_and_package() -> None:
    collapsed = "\n".join(
        [
            "main (<string>);run (asyncio/base_events.py);find (pymongo/cursor.py) 30",
            "main (<string>);run (asyncio/base_events.py);fold (complaint_archive/domain.py) 10",
            "main (<string>);select (selectors.py) 10",
        ]
    )
    summary = summarise(collapsed, seconds=1.0)
    assert summary["samples"] == 50
    assert summary["busy_cores"] == 1.0  # 50 samples at 50 per second over 1 s
    assert summary["self_share"]["find (pymongo/cursor.py)"] == 0.6
    assert summary["self_share_by_package"] == {
        "pymongo": 0.6,
        "complaint_archive": 0.2,
        "selectors": 0.2,
    }


def result() -> dict:
    summary = {"samples": 10, "p50_ms": 5.0, "p95_ms": 9.0, "p99_ms": None, "missing": 1}
    latency = {stage: summary for stage in ("http", "classified", "scheduled", "archived")}
    phase = {
        "latency": latency,
        "memory_at_rest_mib": {"intake": 80.0, "mongodb": 70.0},
        "memory_peak_mib": {"intake": 90.0, "mongodb": 180.0},
    }
    return {
        "started_at": "2026-01-01T00:00:00Z",
        "seconds": 100.0,
        "options": {"quick": True},
        "load_average_at_end": [1.0, 1.0, 1.0],
        "machine": {
            "cpus": 2,
            "cpu_model": "x",
            "memory_gib": 24.0,
            "kernel": "6",
            "python": "3.11",
            "load_average_at_start": [0.5, 0.5, 0.5],
            "packages": {"aiokafka": "0.14"},
            "servers": {"kafka": "3.9.1", "mongodb": "secantus-mdb 0.5.3 (MongoDB 8.2.11)"},
        },
        "baselines": {
            "kafka": {
                "bytes_each": 400,
                "produce_per_s": 20000,
                "consume_per_s": 100000,
                "round_trip_per_s": 16000,
            },
            "mongodb": {
                "server": "secantus-mdb 0.5.3 (MongoDB 8.2.11)",
                "bytes_each": 6000,
                "batch": 500,
                "inserts_per_s": 400,
            },
        },
        "fixed_rates": [
            {
                **phase,
                "offered_per_s": 50.0,
                "seconds": 20.0,
                "submitted": 1000,
                "rates_per_s": {"accepted": 50.0},
            }
        ],
        "saturation": {
            **phase,
            "submitted": 12000,
            "connections": 32,
            "seconds": 30.0,
            "rates_per_s": {"accepted": 400.0, "classified": 300.0, "archived": 8.0},
            "cpu_cores_used": {"mongodb": 0.9, "intake": 0.3},
            "cpu_seconds": {"mongodb": 9.0, "intake": 3.0, "archive": 1.0, "wall": 10.0},
            "statuses": {"202": 12000},
            "done": {"classified": 12000, "archived": 500},
        },
    }


def test_derived_numbers_name_the_slowest_stage_and_the_ratios() -> None:
    derived = derive(result())
    assert derived == {
        "end_to_end_per_s": 8.0,
        "ratio_to_kafka_round_trip": 0.0005,
        "ratio_to_mongodb_bulk_inserts": 0.02,
        "slowest_stage": "archived",
        "busiest_process": "mongodb",
        # the archive per complaint archived, the others per complaint accepted
        "cpu_ms_per_complaint": {"mongodb": 0.75, "intake": 0.25, "archive": 2.0},
    }


def test_the_markdown_report_has_a_row_per_phase_and_a_dash_for_what_was_not_seen() -> None:
    found = result()
    found["derived"] = derive(found)
    text = markdown(found)
    assert "| Kafka produce → consume round trip | 16,000/s |" in text
    assert "| 50/s × 20 s | 1,000 | 50 | – | 5 / 9 / – |" in text
    assert "| max: 32 clients × 30 s | 12,000 | 400 | 8 |" in text
    assert "Slowest stage: **archived**" in text
    assert "| mongodb | 70.0 | 180.0 |" in text


def test_two_runs_side_by_side_with_a_dash_where_one_has_no_number() -> None:
    first, second = result(), result()
    first["machine"]["servers"]["mongodb"] = "secantus-mdb 0.5.3 (MongoDB 8.2.11) at x"
    second["machine"] = {**second["machine"], "servers": {"mongodb": "mongod 8.0"}}
    del second["fixed_rates"]
    text = side_by_side([first, second])
    assert text.splitlines()[0] == "| | secantus-mdb 0.5.3 | mongod 8.0 |"
    assert "| bulk inserts /s | 400 | 400 |" in text
    assert "| 50/s: missing | 1 of 1,000 | – |" in text
    assert "| saturation: archived /s | 8 | 8 |" in text


def test_a_phase_whose_system_did_not_start_is_reported_as_not_measured() -> None:
    found = result()
    found["fixed_rates"].append({"offered_per_s": 200.0, "error": "intake not ready in 120s"})
    found["saturation"] = {"error": "archive exited (1)"}
    found["derived"] = derive(found)
    text = markdown(found)
    assert "| 200/s | not measured: intake not ready in 120s |" in text
    assert "| max | not measured: archive exited (1) |" in text


def test_the_server_is_named_by_what_its_build_info_says() -> None:
    secantus = {"version": "8.2.11", "secantusVersion": "0.5.3-beta.196", "ok": 1.0}
    assert server_name(secantus) == "secantus-mdb 0.5.3-beta.196 (MongoDB 8.2.11)"
    plain = {"version": "8.0.4", "ok": 1.0}
    assert server_name(plain) == "MongoDB-protocol server (MongoDB 8.0.4)"
    assert server_name(plain, local_stack=True).startswith("secantus-mdb ")
