"""`python -m bench status` runs end to end on a small registry (figures are the bench's, not asserted)."""

from bench.status import run


def test_bench_status_on_a_small_registry():
    result = run(["--operators", "20"])
    assert result["operators"] == 20 and result["status_s"] > 0 and result["python_start_s"] > 0
