"""The scale benchmark's pieces on a handful of tiny operators (nothing timed is checked): the
many-operator region generator, its cache, and both phases end to end through the bench's entry."""

from __future__ import annotations

import json
from datetime import date

from bench import scale
from bench.__main__ import main as bench_main
from regie.demo.many import generate_many_operators, operator_plan


def test_many_operators_are_distinct_deterministic_and_mixed(tmp_path):
    first = generate_many_operators(tmp_path / "a", operators=7, start=date(2026, 3, 2), big_scale=2)
    again = generate_many_operators(tmp_path / "b", operators=7, start=date(2026, 3, 2), big_scale=2)
    ids = [op.operator_id for op in first.operators]
    assert len(set(ids)) == 7 and ids[0] == "op00-bus"
    assert {op.mode for op in first.operators} == {"bus", "rail", "coach", "ferry"}
    for op in first.operators:
        assert (tmp_path / "a" / op.file_name).read_bytes() == (tmp_path / "b" / op.file_name).read_bytes()
    # the big operator is the city bus tiled big_scale times: twice the one-tile operator's stop_times
    one_tile = next(op for op in first.operators if op.operator_id == "op05-bus")
    assert first.operators[0].counts.stop_times == 2 * one_tile.counts.stop_times
    assert first.stop_times == sum(op.counts.stop_times for op in first.operators) == again.stop_times
    min_lon, min_lat, max_lon, max_lat = first.bbox
    assert min_lon < max_lon and min_lat < max_lat
    assert [name for name, _, _ in operator_plan(3, 1)] == ["op00-bus", "op01-bus", "op02-rail"]


def test_cached_region_is_reused(tmp_path):
    region = scale.cached_region(tmp_path, 2, 1)
    (region.out_dir / region.operators[0].file_name).write_bytes(b"changed")  # a cache hit does not rewrite
    cached = scale.cached_region(tmp_path, 2, 1)
    assert cached == region
    assert (cached.out_dir / cached.operators[0].file_name).read_bytes() == b"changed"


def test_bench_scale_runs_both_phases_on_tiny_operators(tmp_path, capsys):
    assert bench_main(["scale", "--operators", "3", "--big-scale", "1", "--cache", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["operators"] == 3 and result["succeeded"] is True
    region = scale.cached_region(tmp_path, 3, 1)
    assert result["stop_times"] == region.stop_times
    for key in ("wall_s", "serial_wall_s", "parallel_speedup", "refresh_speedup", "peak_rss_mib", "per_process_start_s"):
        assert result[key] > 0, key
    assert result["parallel_speedup"] == round(result["serial_wall_s"] / result["wall_s"], 2)
    assert result["step_processes"] >= 3 + 1  # one per operator, the mapping step, the region's steps
    assert result["peak_rss_mib"] >= result["operator_step_peak_rss_mib"]
