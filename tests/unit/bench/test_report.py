"""The benchmark report: ratios, number formatting, the table and the page, with no broker."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.bench import report
from tests.bench.suite import selected

MACHINE = {
    "cpu": "Test CPU",
    "cores": "2",
    "ram": "4.0 GiB",
    "python": "3.11.7",
    "kafka": "4.1.1",
    "date": "2026-11-27 05:00 UTC",
}


def results() -> report.Results:
    return {
        "machine": MACHINE,
        "cases": {
            "runtime": {
                "params": {"events": 1000, "rounds": 3},
                "rates": {
                    "parley": [600.0, 500.0, 700.0],
                    "bare": [1000.0, 900.0, 1100.0],
                    "faststream": [200.0, 150.0, 250.0],
                },
                "cpu_us": {"parley": [300.0], "bare": [100.0], "faststream": [900.0]},
            },
            "scaling": {
                "params": {"work_ms": 1.0, "cores": 2, "events": 3000},
                "rates": {"1": [800.0], "2": [1500.0], "3": [1600.0]},
                "replica_cpu_s": {"2": [[1.9, 1.8]]},
            },
            "fanout": {
                "sizes": {
                    "5000": {
                        "rates": {"parley": [30000.0], "bare": [100000.0]},
                        "server_us": {"parley": [25.0], "bare": [10.0]},
                    },
                    "2000": {
                        "rates": {"parley": [1.0], "bare": [2.0]},
                        "procs": 3,
                        "server_cpu": {"parley": [90.0], "bare": [45.2]},
                        "client_cpu": {"parley": [40.0], "bare": [20.0]},
                    },
                    "1000": {
                        "rates": {"parley": [20000.0], "bare": [40000.0], "socketio": [10000.0]}
                    },
                }
            },
            "latency": {
                "loads": [
                    {
                        "offered": 100,
                        "delivered": 100.0,
                        "late_p99": 0.5,
                        "room": {"p50": 3.14159, "p99": 12.5, "p999": 250.0},
                    }
                ],
                "saturation": 100,
                "stopped_because": "the highest load tried",
            },
            "memory": {
                "params": {"sockets": 5000},
                "kb_per_socket": {"parley": 42.0, "bare": 20.0},
            },
            "coldstart": {
                "parley_up": [30.0, 20.0, 25.0],
                "broker": [10.0, 10.0, 10.0],
                "quick": True,
            },
        },
    }


def find(rows: list[report.Row], text: str) -> report.Row:
    return next(r for r in rows if text in r.case)


def test_ratio_is_parley_over_baseline() -> None:
    assert report.ratio(600.0, 1000.0) == "0.60x"
    assert report.ratio(3.0, 1.0) == "3.00x"


@pytest.mark.parametrize("baseline", [0.0, float("nan")])
def test_ratio_without_a_baseline_is_a_dash(baseline: float) -> None:
    assert report.ratio(1.0, baseline) == report.DASH
    assert report.ratio(float("nan"), 1.0) == report.DASH


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (12345.6, "events/s", "12,346 events/s"),
        (123.4, "", "123"),
        (12.34, "ms", "12.3 ms"),
        (1.234, "s", "1.23 s"),
        (float("nan"), "s", report.DASH),
    ],
)
def test_numbers_keep_three_significant_digits_or_more(value: float, unit: str, text: str) -> None:
    assert report.number(value, unit) == text


def test_rows_use_medians_of_rounds() -> None:
    rows = report.rows(results())
    bare = find(rows, "bare confluent-kafka")
    assert (bare.parley, bare.baseline, bare.ratio) == ("600 events/s", "1,000 events/s", "0.60x")
    assert find(rows, "FastStream").ratio == "3.00x"
    assert find(rows, "CPU per event: Parley vs bare").ratio == "3.00x"
    assert find(rows, "cold start").ratio == "2.50x"  # median 25 s over 10 s


def test_scaling_rows_are_speedups_over_one_replica() -> None:
    rows = [r for r in report.rows(results()) if r.case.startswith("2.")]
    assert [r.ratio for r in rows] == ["1.00x speedup", "1.88x speedup", "2.00x speedup"]
    assert "2 cores" in rows[0].note
    assert rows[1].note.startswith("replicas' CPU% 95 + 90, 1.23 ms CPU per event; 2 cores")


def test_fanout_rows_are_ordered_by_size_and_skip_missing_baselines() -> None:
    rows = [r for r in report.rows(results()) if r.case.startswith("3.") and "CPU" not in r.case]
    assert [r.case.split(": ")[1] for r in rows] == [
        "Parley vs bare websockets broadcast",
        "Parley vs python-socketio",
        "Parley vs bare websockets broadcast",
        "Parley vs bare websockets broadcast",
    ]
    assert "1,000 sockets" in rows[0].case
    assert "2,000 sockets" in rows[2].case
    assert rows[2].note.startswith("CPU% server / receivers (3 procs): Parley 90 / 40, bare")
    rows = rows[1:]
    assert "5,000 sockets" in rows[2].case
    assert rows[2].ratio == "0.30x"
    assert rows[2].note == "higher is better"
    cpu = find(report.rows(results()), "5,000 sockets, server CPU per delivery")
    assert (cpu.parley, cpu.baseline, cpu.ratio) == ("25.0 us", "10.0 us", "2.50x")


def test_latency_and_memory_rows() -> None:
    rows = report.rows(results())
    latency = find(rows, "latency at 100 msg/s")
    assert latency.parley == "p50 3.14 / p99 12.5 / p999 250 ms"
    assert "delivered 100%" in latency.note
    assert find(rows, "highest offered load").parley == "100 msg/s"
    unsaturated = results()
    unsaturated["cases"]["latency"].update(saturation=None, stopped_because="at 100 msg/s")
    assert find(report.rows(unsaturated), "highest offered load").parley == report.DASH
    assert find(rows, "memory per idle socket").ratio == "2.10x"


def test_presence_rows_compare_with_v1_and_with_no_coalescing() -> None:
    def run(n: int, frames: int, converged: bool = True) -> dict[str, object]:
        return {
            "clients": n,
            "presence_frames": frames,
            "full_list_frames": n * (n + 1) // 2,
            "joins_seconds": 10.0,
            "converged": converged,
            "converged_seconds": 12.5 if converged else None,
        }

    raw = {"crowd": run(5000, 36000), "coalesced": run(1000, 4500), "baseline": run(1000, 193000)}
    crowd, versus = report.presence_rows(raw)
    assert crowd.parley == "36,000"
    assert crowd.baseline == "12,502,500 (v1, computed)"
    assert crowd.ratio == "0.0029x"
    assert "converged 12.5 s after the first join" in crowd.note
    assert (versus.parley, versus.baseline, versus.ratio) == (
        "4,500 frames",
        "193,000 frames",
        "0.02x",
    )
    raw["crowd"] = run(5000, 36000, converged=False)
    assert "DID NOT converge" in report.presence_rows(raw)[0].note


def test_living_rows_put_each_kind_of_the_mixed_load_beside_plain_messages() -> None:
    run = {
        "params": {"rate": 200.0, "rounds": 3},
        "summary": {
            "plain": {"message": {"p50": 20.0, "p99": 80.0}},
            "mixed": {
                "message": {"p50": 22.0, "p99": 90.0},
                "react": {"p50": 30.0, "p99": 120.0},
                "delete": {"p50": 40.0, "p99": 160.0},
            },
        },
    }
    message, react, delete = report.living_rows({"sqlite": run})
    assert (react.parley, react.baseline, react.ratio) == ("30.0 ms", "20.0 ms", "1.50x")
    assert "p99 120 ms vs 80.0 ms" in react.note
    assert "(sqlite): message in a mixed load at 200/s" in message.case
    assert delete.ratio == "2.00x"  # no edit in this run: no row for it


def test_a_failed_case_is_one_row_saying_why() -> None:
    data = results()
    data["cases"]["fanout"] = {"error": "fanout: bench_fanout failed (exit 1):\nBoom"}
    row = find(report.rows(data), "fanout")
    assert row.case == "fanout: FAILED"
    assert row.note == "Boom"
    traceback = (
        'fanout: bench_fanout failed (exit 1):\n  File "x.py", line 3, in send\n'
        "websockets.exceptions.ConnectionClosedOK: received 1000 (OK)\n"
        "sys:1: RuntimeWarning: coroutine 'to_thread' was never awaited\n"
    )
    assert report.reason(traceback).startswith("websockets.exceptions.ConnectionClosedOK: ")


def test_table_escapes_pipes_and_has_one_line_per_row() -> None:
    text = report.table([report.Row("a | b", "1", "2", "0.50x")])
    lines = text.splitlines()
    assert lines[0] == "| case | Parley | baseline | ratio | notes |"
    assert lines[2] == "| a \\| b | 1 | 2 | 0.50x |  |"


def test_markdown_has_machine_line_quick_cases_and_plots() -> None:
    data = {**results(), "plots": ["latency"]}
    page = report.markdown(data)
    assert "Machine: Test CPU, 2 cores, 4.0 GiB RAM; Python 3.11.7; Kafka 4.1.1" in page
    assert "`--quick` run (fewer events, sockets and loads): coldstart." in page
    assert "![latency](bench/latency.png)" in page
    assert "load average" not in page
    data["cases"]["runtime"]["loadavg"] = 3.25
    assert "(2 cores): runtime 3.2." in report.markdown(data)


def test_results_round_trip_through_json(tmp_path: Path) -> None:
    path = tmp_path / "bench" / "results.json"
    report.save(path, results())
    assert report.load(path) == json.loads(json.dumps(results()))
    assert report.load(tmp_path / "missing.json") == {"cases": {}}


def test_machine_names_what_the_page_needs() -> None:
    assert set(report.machine()) == set(MACHINE)


def test_cases_select_by_name_or_number_in_suite_order() -> None:
    assert selected("fanout,1") == ["runtime", "fanout"]
    assert selected("5") == ["memory", "coldstart"]
    assert selected("6") == ["presence"]
    assert selected("7") == ["living"]
    assert selected(None)[0] == "runtime"
    with pytest.raises(SystemExit, match="unknown case"):
        selected("nope")


def test_plots_are_pngs_for_the_cases_present(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tests.bench import plots

    data = results()
    data["cases"]["latency"]["loads"][0].update(room={"p50": 3.0, "p99": 12.0, "p999": 30.0})
    drawn = plots.draw(data, tmp_path)
    assert drawn == ["runtime", "scaling", "fanout", "latency"]
    assert all((tmp_path / f"{n}.png").read_bytes()[:4] == b"\x89PNG" for n in drawn)


def test_parley_bench_outside_a_checkout_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from parley import cli

    monkeypatch.setattr(cli, "__file__", str(tmp_path / "site-packages" / "parley" / "cli.py"))
    assert cli.main(["bench", "--quick"]) == 2
    assert "needs a source checkout" in capsys.readouterr().err


def test_batch_rows_compare_batches_with_one_event_per_call() -> None:
    raw = {
        "params": {"events": 20000, "rounds": 3, "batch": 100, "window": 0.05},
        "rates": {"single": [4000.0, 4100.0, 3900.0], "batch": [16000.0, 15000.0, 14000.0]},
        "cpu_us": {"single": [180.0, 190.0, 170.0], "batch": [45.0, 50.0, 40.0]},
    }
    rate, cpu = report.batch_rows(raw)
    assert (rate.parley, rate.baseline) == ("15,000 events/s", "4,000 events/s")
    assert rate.ratio == "3.75x"
    assert (cpu.parley, cpu.baseline, cpu.ratio) == ("45.0 us", "180 us", "0.25x")
    assert "batch=100, window=0.05 s" in rate.note
    assert selected("9") == ["batch"]
