"""The canonical engine in its child process: same notices as in-process, failures as one notice."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from quality.canonical import canonical_notices
from quality.config import EngineLimits
from quality.engine import CanonicalEngine, GtfsGuruEngine
from quality.notices import NOTICE_COLUMNS

DAY = date(2026, 11, 25)


def _summary(frame: pd.DataFrame) -> set[tuple[str, str, int]]:
    return {(code, severity, int(count)) for (code, severity), count in frame.groupby(["code", "severity"]).size().items()}


def _failure(frame: pd.DataFrame, feed: str) -> str:
    assert len(frame) == 1, frame[["code", "message"]]
    row = frame.iloc[0]
    assert (row["code"], row["severity"], row["source"]) == ("engine_failure", "ERROR", "canonical")
    assert feed in row["message"] and row["context"]["feed"] == feed
    return row["message"]


def _fake_python(tmp_path: Path, body: str) -> str:
    """A stand-in for the interpreter: `$6` is where the worker must write its notices."""
    script = tmp_path / "python"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(0o755)
    return str(script)


@pytest.fixture(scope="module")
def caltrain(feeds_dir: Path) -> Path:
    return feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip"


def test_the_child_gives_the_in_process_notices_with_their_context(caltrain: Path) -> None:
    engine = GtfsGuruEngine()
    assert isinstance(engine, CanonicalEngine) and engine.name == "gtfs-guru" and engine.version() == "1.0.0"
    job = engine.start(caltrain, DAY)
    expected = canonical_notices(caltrain, DAY)  # meanwhile, in this process
    got = job.result()
    assert list(got.columns) == NOTICE_COLUMNS and len(got) > 0
    assert _summary(got) == _summary(expected)

    def rows(frame: pd.DataFrame) -> list[tuple]:
        return sorted(
            (r.code, r.severity, r.file, None if pd.isna(r.row) else int(r.row), r.field, r.message,
             json.dumps(r.context, sort_keys=True))
            for r in frame.itertuples(index=False)
        )

    assert rows(got) == rows(expected)
    assert job.result() is got  # collected once


def test_running_out_of_memory_is_one_notice(feeds_dir: Path) -> None:
    hart = feeds_dir / "large" / "hart_2020-11-15.zip"
    # 300 MiB: below what the interpreter has mapped already, so every allocation of the validation
    # fails; under ~150 MiB gtfs-guru's loader may catch the failure and report it as its own notice
    result = GtfsGuruEngine(EngineLimits(memory_mib=300)).start(hart, DAY).result()
    message = _failure(result, hart.name)
    assert "memory" in message or "exit" in message or "signal" in message


def test_a_timeout_kills_the_child(feeds_dir: Path) -> None:
    hart = feeds_dir / "large" / "hart_2020-11-15.zip"  # the child needs well over 0.05 s for it
    result = GtfsGuruEngine(EngineLimits(timeout_s=0.05)).start(hart, DAY).result()
    assert "timed out after 0.05 s" in _failure(result, hart.name)


def test_a_garbage_feed_does_not_crash(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"PK\x03\x04" + bytes(range(256)) * 40)
    result = GtfsGuruEngine().start(garbage, DAY).result()
    codes = set(result["code"])
    assert codes in ({"engine_failure"}, {"i_o_error"}), result[["code", "message"]]
    if codes == {"engine_failure"}:
        _failure(result, garbage.name)


@pytest.mark.parametrize(("body", "cause"), [
    ('echo "not json" > "$6"', "unreadable result"),
    ("exit 0", "unreadable result"),
    ('echo "Segfault in rule 12" >&2; kill -SEGV $$', "killed by signal SIGSEGV (Segfault in rule 12)"),
    ("exit 3", "exited with code 3"),
    ('echo "memory allocation of 84176832 bytes failed" >&2; kill -ABRT $$', "ran out of memory (limit 4096 MiB)"),
])
def test_a_child_that_dies_or_writes_garbage_is_one_notice(tmp_path: Path, caltrain: Path, body: str, cause: str) -> None:
    result = GtfsGuruEngine(python=_fake_python(tmp_path, body)).start(caltrain, DAY).result()
    assert cause in _failure(result, caltrain.name)


def test_an_engine_that_cannot_start_is_one_notice(tmp_path: Path, caltrain: Path) -> None:
    result = GtfsGuruEngine(python=str(tmp_path / "no-python")).start(caltrain, DAY).result()
    assert "could not be started" in _failure(result, caltrain.name)


def test_cancel_stops_the_child_and_cleans_up(tmp_path: Path, caltrain: Path) -> None:
    job = GtfsGuruEngine(python=_fake_python(tmp_path, "exec sleep 30")).start(caltrain, DAY)
    workdir = Path(job._workdir)  # type: ignore[attr-defined]
    assert workdir.is_dir()
    job.cancel()
    assert "cancelled" in _failure(job.result(), caltrain.name)
    assert not workdir.exists()


def test_the_worker_reads_its_arguments() -> None:
    from quality.engine_worker import parse_args

    assert parse_args(["f.zip", "2026-11-25", "out.json", "--memory-mib", "512", "--country-code", "FR"]) == (
        "f.zip", DAY, "out.json", 512, "FR")
    assert parse_args(["f.zip", "2026-11-25", "out.json"]) == ("f.zip", DAY, "out.json", 0, None)
    for wrong in (["f.zip"], ["f.zip", "25/11/2026", "out.json"], ["f.zip", "2026-11-25", "out.json", "--memory-mib"],
                  ["f.zip", "2026-11-25", "out.json", "--threads", "2"]):
        with pytest.raises(SystemExit, match="usage"):
            parse_args(wrong)
