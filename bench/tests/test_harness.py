"""The benchmark arithmetic: medians, ratios, alternation order, verdicts, report shape, wrk parsing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import harness
from bench.load import post_script, wrk_parse


def test_median_of_odd_and_even_counts():
    assert harness.median([3.0, 1.0, 2.0]) == 2.0
    assert harness.median([4.0, 1.0, 3.0, 2.0]) == 2.5


def test_median_refuses_no_measurements():
    with pytest.raises(ValueError, match="no measurements"):
        harness.median([])


def test_rate_and_refusal_of_zero_duration():
    assert harness.rate(500, 2.0) == 250.0
    with pytest.raises(ValueError):
        harness.rate(10, 0.0)


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 11)]  # 1..10
    assert harness.percentile(values, 0.5) == 5.0
    assert harness.percentile(values, 0.9) == 9.0
    assert harness.percentile(values, 1.0) == 10.0
    assert harness.percentile([7.0], 0.5) == 7.0
    with pytest.raises(ValueError):
        harness.percentile(values, 0.0)


def test_alternate_flips_the_order_every_round():
    calls: list[str] = []

    def side(name: str, value: float):
        def run() -> float:
            calls.append(name)
            return value

        return run

    values = harness.alternate(rounds=3, product=side("p", 1.0), baseline=side("b", 2.0))
    assert calls == ["p", "b", "b", "p", "p", "b"]
    assert values == {"product": [1.0, 1.0, 1.0], "baseline": [2.0, 2.0, 2.0]}


def test_alternate_needs_two_rounds():
    with pytest.raises(ValueError, match="two rounds"):
        harness.alternate(rounds=1, product=lambda: 1.0, baseline=lambda: 1.0)


def test_alternate_reports_each_run():
    seen: list[tuple[int, str, float]] = []
    harness.alternate(rounds=2, product=lambda: 1.0, baseline=lambda: 2.0, on_run=lambda *a: seen.append(a))
    assert seen == [(0, "product", 1.0), (0, "baseline", 2.0), (1, "baseline", 2.0), (1, "product", 1.0)]


def _result(**overrides) -> harness.Result:
    fields: dict[str, Any] = {
        "name": "store",
        "what": "x",
        "unit": "items/s",
        "higher_is_better": True,
        "target": 0.9,
        "product": [90.0, 100.0, 95.0],
        "baseline": [100.0, 110.0, 100.0],
    }
    fields.update(overrides)
    return harness.Result(**fields)


def test_ratio_is_of_medians_and_throughput_target_is_a_floor():
    result = _result()
    assert result.product_median == 95.0
    assert result.baseline_median == 100.0
    assert result.ratio == pytest.approx(0.95)
    assert result.met
    assert not _result(product=[80.0, 85.0]).met


def test_latency_target_is_a_ceiling():
    result = _result(unit="s", higher_is_better=False, target=1.5, product=[1.4, 1.6], baseline=[1.0, 1.0])
    assert result.ratio == pytest.approx(1.5)
    assert result.met
    assert not _result(higher_is_better=False, target=1.5, product=[2.0, 2.0], baseline=[1.0, 1.0]).met
    assert result.target_text() == "≤ 1.5"


def test_a_failed_check_misses_the_target_whatever_the_ratio():
    result = _result(checks={"queries constant": False})
    assert result.ratio > result.target
    assert not result.met
    assert "MISSED (queries constant)" in harness.table([result])


def test_table_lists_each_benchmark_with_its_verdict():
    text = harness.table([_result(), _result(name="api", product=[10.0, 10.0], target=0.8)])
    lines = text.splitlines()
    assert lines[0].split() == ["benchmark", "product", "baseline", "unit", "ratio", "target", "rounds", "result"]
    assert lines[2].split()[0] == "store" and lines[2].endswith("met")
    assert lines[3].split()[0] == "api" and lines[3].endswith("MISSED")


def test_report_shape_is_json_serialisable(tmp_path):
    document = harness.report([_result()], options={"quick": True, "rounds": 3}, seconds=12.34)
    path = tmp_path / "bench-results.json"
    harness.write_report(path, document)
    loaded = json.loads(path.read_text())
    assert loaded["schema"] == 1
    assert loaded["all_met"] is True
    assert loaded["total_seconds"] == 12.3
    assert loaded["options"] == {"quick": True, "rounds": 3}
    one, five, fifteen = loaded["load_average"]  # the run's context, named in every report
    assert min(one, five, fifteen) >= 0
    (bench,) = loaded["benchmarks"]
    assert bench["name"] == "store"
    assert bench["product"] == [90.0, 100.0, 95.0]
    assert bench["product_median"] == 95.0
    assert bench["ratio"] == pytest.approx(0.95)
    assert bench["target_text"] == "≥ 0.9"
    assert bench["met"] is True
    assert set(bench) >= {"unit", "higher_is_better", "baseline_median", "sizes", "details", "checks"}


WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:8000/crew/
  1 threads and 8 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    12.50ms    3.10ms  40.00ms   80.00%
    Req/Sec   640.12     50.00   700.00     70.00%
  3201 requests in 5.01s, 9.50MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 7
Requests/sec:    638.92
Transfer/sec:      1.90MB
"""


def test_wrk_summary_is_parsed():
    parsed = wrk_parse(WRK_OUTPUT)
    assert parsed == {
        "requests_per_second": 638.92,
        "requests": 3201,
        "duration_seconds": 5.01,
        "mean_latency_seconds": pytest.approx(0.0125),
        "non_2xx": 7,
        "socket_errors": 3,
    }


def test_wrk_without_summary_is_an_error():
    with pytest.raises(ValueError, match="no summary"):
        wrk_parse("unable to connect to 127.0.0.1:1 Connection refused")


def test_post_script_escapes_the_body():
    script = post_script(body='{"a": "q\\"x"}', headers={"X-Service-Key": "k"})
    assert 'wrk.method = "POST"' in script
    assert 'wrk.body = "{\\"a\\": \\"q\\\\\\"x\\"}"' in script
    assert 'wrk.headers["X-Service-Key"] = "k"' in script


def test_alternate_slices_interleaves_pairs_and_flips_each_pair():
    calls: list[tuple[str, int]] = []
    rounds_started: list[int] = []

    def side(name: str):
        def run(piece: int) -> harness.Sample:
            calls.append((name, piece))
            return harness.Sample(count=10, seconds=1.0 if name == "p" else 2.0)

        return run

    values = harness.alternate_slices(
        rounds=2, slices=3, product=side("p"), baseline=side("b"), before_round=rounds_started.append
    )
    assert rounds_started == [0, 1]
    assert calls == [
        ("p", 0), ("b", 0), ("b", 1), ("p", 1), ("p", 2), ("b", 2),  # round 0: pairs 0, 1, 2
        ("b", 0), ("p", 0), ("p", 1), ("b", 1), ("b", 2), ("p", 2),  # round 1: pairs 3, 4, 5
    ]  # fmt: skip
    assert values == {"product": [10.0, 10.0], "baseline": [5.0, 5.0]}


def test_total_rate_weights_by_time_not_by_slice():
    samples = [harness.Sample(count=100, seconds=1.0), harness.Sample(count=100, seconds=3.0)]
    assert harness.total_rate(samples) == 50.0  # a mean of the two rates would say 66.7


def test_alternate_slices_with_a_custom_combination():
    values = harness.alternate_slices(
        rounds=2,
        slices=3,
        product=lambda piece: harness.Sample(count=1, seconds=[0.3, 0.1, 0.2][piece]),
        baseline=lambda piece: harness.Sample(count=1, seconds=0.1),
        combine=lambda samples: harness.percentile([s.seconds for s in samples], 0.5),
    )
    assert values["product"] == [0.2, 0.2]


def test_slice_bounds_cover_everything_once():
    bounds = [harness.slice_bounds(10, 3, piece) for piece in range(3)]
    assert bounds == [(0, 3), (3, 6), (6, 10)]
    with pytest.raises(ValueError):
        harness.slice_bounds(10, 3, 3)
