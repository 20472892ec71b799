"""Regional integration (normalise + match + transfers + pool checks + merge + regional zip)
against a pyarrow read of its input feeds, and its growth with the size of the region.

P: best of 3 warm, in-process `pyarrow.csv` reads of every `.txt` of the input feeds (the Bay
Area set, HART and CATS).
merge_s: best of 3 of `integrate_region` (normalise every operator, match stops, walking
transfers, pool checks, the `internal` and `open` merges) + writing the internal regional zip
(`write_gtfs_zip`), on feed tables already read (imports and reads excluded);
merge_with_read_s: the same with the inputs given as zip paths, as the pipeline gives them
(each operator's zips read when its turn comes: `read_feed_tables` included). Region time zone
America/Los_Angeles, so HART's and CATS's times (America/New_York) are shifted.
Scale: HART replicated 1x, 4x and 16x, each replica its own operator, every id prefixed with
`r<k>-` (every column of `schema.ID_COLUMNS`) and its stops and shapes moved k x 50 km east (a
translation: HART spans ~37 km east-west, so replicas never overlap and the stop density stays
HART's); region time zone America/New_York. Each replica is written as a zip of CSV members
(untimed); the timed runs take the zip paths, as the pipeline does (reads included in
merge_<n>x_s), so a region is never all in memory at once.
Memory: each scale runs in a fresh child process. work_rss = peak RSS (VmHWM, reset through
/proc/self/clear_refs once the inputs are built, so building them does not set the peak) minus
the RSS after imports; `work_rss_*_beyond_inputs` is the part above the RSS with the inputs built
(garbage of building them handed back first: gc, Arrow pool release_unused, malloc_trim; for the
Bay Area run the inputs are the feed tables in memory). input_csv = the replicas' CSV bytes. The
peak is the highest of the 3 timed runs (each starts from gc.collect()).
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from bench.common import best_of, feeds_dir, read_all_tables

BAYAREA = (("bart", "bart_2018-05-26.zip", "open"), ("caltrain", "caltrain_2017-10-02.zip", "open"),
           ("countyconnection", "countyconnection_2018-08-12.zip", "restricted"))
LARGE = (("hart", "hart_2020-11-15.zip", "open"), ("cats", "charlotte-cats_2018-10-04.zip", "open"))
SCALES = (1, 4, 16)
REPLICA_SHIFT_KM = 50.0
KM_PER_DEGREE = 111.195


def input_zips() -> list[tuple[str, Path, str]]:
    base = feeds_dir()
    return ([(op, base / "regional_bayarea" / name, openness) for op, name, openness in BAYAREA]
            + [(op, base / "large" / name, openness) for op, name, openness in LARGE])


def _txt_bytes(path: Path) -> int:
    with zipfile.ZipFile(path) as archive:
        return sum(info.file_size for info in archive.infolist() if info.filename.endswith(".txt"))


def operator(op_id: str, openness: str = "open"):
    from regie.config.operators import Operator

    return Operator(id=op_id, name=op_id.title(), modes=["bus"], contact="data@example.org", licence="CC-BY-4.0",
                    openness=openness, member_from="2018-01-01",
                    feeds=[{"id": "main", "kind": "gtfs", "url": f"file:///feeds/{op_id}.zip"}])


def region(timezone: str, as_of: str):
    from regie.config.region import Region

    return Region.model_validate({
        "name": "Bench", "timezone": timezone, "languages": ["en"], "as_of": as_of,
        "bbox": {"min_lon": -125, "min_lat": 24, "max_lon": -60, "max_lat": 50},
        "integration": {"publisher": {"url": "https://pool.example.org"}}})


# ---- replicas -------------------------------------------------------------------------------------

def _prefixed(values, prefix: str):
    return values.where(values == "", prefix + values)


def _moved(values, degrees: float):
    import pandas as pd

    numbers = pd.to_numeric(values, errors="coerce")
    text = (numbers + degrees).map(lambda v: f"{v:.6f}")
    return text.where(numbers.notna(), values).astype("str")


def replica_frames(tables: dict, k: int, *, shift_km: float = REPLICA_SHIFT_KM) -> dict:
    """The tables of replica k (all-string frames, `_row` kept): every non-empty id of
    `schema.ID_COLUMNS` (and translations' record_id) prefixed `r<k>-`; stops and shapes moved
    k x shift_km east (a constant longitude offset taken at the stops' mean latitude)."""
    import math

    import pandas as pd

    from regie.gtfs.spec import TRANSLATION_RECORD_KIND, id_columns

    prefix = f"r{k}-"
    stops = tables.get("stops")
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce").mean() if stops is not None else 0.0
    degrees = k * shift_km / (KM_PER_DEGREE * math.cos(math.radians(float(lat))))
    out = {}
    for name, frame in tables.items():
        frame = frame.copy()
        for col, _ in id_columns(name):
            if col in frame.columns:
                frame[col] = _prefixed(frame[col], prefix)
        if name == "translations" and {"record_id", "table_name"} <= set(frame.columns):
            mine = frame["table_name"].isin(list(TRANSLATION_RECORD_KIND))
            frame["record_id"] = frame["record_id"].where(~mine, _prefixed(frame["record_id"], prefix))
        for col in {"stops": ("stop_lon",), "shapes": ("shape_pt_lon",)}.get(name, ()):
            if col in frame.columns:
                frame[col] = _moved(frame[col], degrees)
        out[name] = frame
    return out


def replica_csv(feed, k: int, *, shift_km: float = REPLICA_SHIFT_KM) -> dict[str, bytes]:
    """Replica k of `feed` (a FeedTables) as CSV members (`<table>.txt` -> bytes)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from regie.gtfs.feed_tables import ROW

    members = {}
    for name, frame in replica_frames(feed.tables, k, shift_km=shift_km).items():
        buffer = io.BytesIO()
        arrow = pa.Table.from_pandas(frame.drop(columns=[ROW]), preserve_index=False)
        try:  # unquoted, as most feeds are; quoted where a value needs it
            pacsv.write_csv(arrow, buffer, pacsv.WriteOptions(quoting_style="none"))
        except pa.ArrowInvalid:
            buffer = io.BytesIO()
            pacsv.write_csv(arrow, buffer, pacsv.WriteOptions(quoting_style="needed"))
        members[f"{name}.txt"] = buffer.getvalue()
    return members


def replicate(feed, k: int, *, shift_km: float = REPLICA_SHIFT_KM):
    """Replica k of `feed` (a FeedTables) as `read_feed_tables` would return it for the replica's
    zip: each table written to CSV and parsed back (fresh buffers, same dtypes and chunking).
    Returns the FeedTables and the replica's CSV bytes."""
    from regie.gtfs.feed_tables import FeedTables, parse_csv_bytes

    members = replica_csv(feed, k, shift_km=shift_km)
    tables = {name.removesuffix(".txt"): parse_csv_bytes(data, name)[0] for name, data in members.items()}
    return FeedTables(path=Path(f"replica-{k}"), members=list(members), tables=tables,
                      encodings=dict.fromkeys(members, "utf-8"), problems=[]), sum(map(len, members.values()))


def write_replica(feed, k: int, folder: Path) -> tuple[Path, int]:
    """Replica k written as `<folder>/replica-<k>.zip`; returns the path and its CSV bytes."""
    from regie.gtfs.atomic import write_atomic
    from regie.gtfs.zip_writer import zip_bytes

    members = replica_csv(feed, k)
    path = folder / f"replica-{k:02d}.zip"
    write_atomic(path, zip_bytes(members))
    return path, sum(map(len, members.values()))


# ---- child processes ---------------------------------------------------------------------------

def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def _release_garbage() -> None:
    """Hand back what building the inputs left free (Python objects, Arrow and glibc heaps), so
    that the RSS with the inputs built is the inputs, not the garbage of building them."""
    import ctypes

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _timed_runs(inputs: list, reg, out: Path, *, read: list | None = None) -> dict:
    """best of 3 of integrate + regional zip; peak memory over the runs."""
    from regie.gtfs.zip_writer import write_gtfs_zip
    from regie.integrate.integrator import integrate_region

    state: dict = {}

    def integrate_and_write() -> None:
        integration = integrate_region(inputs, reg, write_ahead=["internal"])
        feed = integration.feeds["internal"]
        write_gtfs_zip(out / "regional.zip", feed.parts, deflated=feed.deflated)
        state["rows"] = feed.row_counts()
        state["notes"] = sorted({n for f in integration.normalised.values() for n in f.notes if "shifted" in n})
        state["hubs"] = len(integration.match.hubs)
        state["transfers"] = len(integration.transfers)
        state["findings"] = integration.pool_findings.groupby("code").size().to_dict()

    _release_garbage()
    rss_inputs = _status("VmRSS")
    peak_reset = _reset_peak()
    merge_s = best_of(3, integrate_and_write, setup=gc.collect)
    peak = _status("VmHWM")
    result = {"merge_s": merge_s, "rss_inputs_mib": rss_inputs, "peak_rss_mib": peak, "peak_reset": peak_reset,
              "zip_mib": (out / "regional.zip").stat().st_size / 2**20, **state}
    if read is not None:
        from regie.integrate.integrator import OperatorFeeds

        def read_integrate_and_write() -> None:
            from_paths = [OperatorFeeds(item.operator, [path], item.versions)
                          for item, path in zip(inputs, read, strict=True)]
            integration = integrate_region(from_paths, reg, write_ahead=["internal"])
            feed = integration.feeds["internal"]
            write_gtfs_zip(out / "regional.zip", feed.parts, deflated=feed.deflated)

        result["merge_with_read_s"] = best_of(3, read_integrate_and_write, setup=gc.collect)
    return result


def child(which: str) -> dict:
    import pandas  # noqa: F401  (imports, before the baseline)

    from regie.gtfs.feed_tables import read_feed_tables
    from regie.gtfs.zip_writer import write_gtfs_zip  # noqa: F401
    from regie.integrate.integrator import OperatorFeeds, integrate_region  # noqa: F401

    rss_imports = _status("VmRSS")
    out = Path(tempfile.mkdtemp(prefix="regie-bench-merge-"))
    try:
        if which == "bayarea":
            zips = input_zips()
            inputs = [OperatorFeeds(operator(op, openness), [read_feed_tables(path)], [path.stem])
                      for op, path, openness in zips]
            csv_bytes = sum(_txt_bytes(path) for _, path, _ in zips)
            result = _timed_runs(inputs, region("America/Los_Angeles", "2018-10-15"), out,
                                 read=[path for _, path, _ in zips])
        else:
            copies = int(which)
            hart = read_feed_tables(feeds_dir() / "large" / "hart_2020-11-15.zip")
            inputs, csv_bytes = [], 0
            for k in range(copies):
                path, size = write_replica(hart, k, out)
                csv_bytes += size
                inputs.append(OperatorFeeds(operator(f"hart-r{k:02d}"), [path], [f"r{k}"]))
            del hart
            result = _timed_runs(inputs, region("America/New_York", "2020-11-16"), out)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    frames = sum(int(frame.memory_usage(deep=True).sum()) for item in inputs for feed in item.feeds
                 if not isinstance(feed, Path) for frame in feed.tables.values())
    result.update(rss_imports_mib=rss_imports, input_csv_mib=csv_bytes / 2**20, input_frames_mib=frames / 2**20,
                  work_rss_mib=result["peak_rss_mib"] - rss_imports,
                  work_rss_beyond_inputs_mib=result["peak_rss_mib"] - result["rss_inputs_mib"])
    return result


def _in_child(which: str) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.merge", which], capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"bench.merge child {which} failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run() -> dict:
    zips = input_zips()

    def read_every_input() -> None:
        for _, path, _ in zips:
            read_all_tables(path)

    pyarrow_s = best_of(3, read_every_input)
    hart = {op: path for op, path, _ in zips}["hart"]
    hart_pyarrow_s = best_of(3, lambda: read_all_tables(hart))
    bay = _in_child("bayarea")
    scales = {n: _in_child(str(n)) for n in SCALES}
    big = scales[SCALES[-1]]
    print(f"inputs: Bay Area (3 operators) + HART + CATS, {bay['input_csv_mib']:.1f} MiB CSV; "
          f"regional zip {bay['zip_mib']:.1f} MiB, {bay['hubs']} hubs, {bay['transfers']} transfers; "
          f"{'; '.join(bay['notes'])}")
    print(f"pool findings: {bay['findings']}")
    print(f"pyarrow read of every table (P):         {pyarrow_s:.3f} s")
    print(f"integrate + regional zip:                {bay['merge_s']:.3f} s  ({bay['merge_s'] / pyarrow_s:.1f} x P)")
    print(f"  with read_feed_tables of the inputs:   {bay['merge_with_read_s']:.3f} s")
    print(f"  work RSS {bay['work_rss_mib']:.0f} MiB (peak {bay['peak_rss_mib']:.0f}, "
          f"after imports {bay['rss_imports_mib']:.0f}, with inputs {bay['rss_inputs_mib']:.0f})")
    for n, s in scales.items():
        print(f"HART x{n:<3} {s['input_csv_mib']:7.1f} MiB CSV: {s['merge_s']:7.3f} s "
              f"({s['merge_s'] / (n * hart_pyarrow_s):.1f} x {n} P_hart); work RSS {s['work_rss_mib']:.0f} MiB "
              f"({s['work_rss_mib'] / s['input_csv_mib']:.2f} x CSV), zip {s['zip_mib']:.1f} MiB")
    return {
        "pyarrow_read_s": round(pyarrow_s, 4),
        "merge_s": round(bay["merge_s"], 4),
        "merge_with_read_s": round(bay["merge_with_read_s"], 4),
        "ratio_to_pyarrow": round(bay["merge_s"] / pyarrow_s, 2),
        "ratio_with_read_to_pyarrow": round(bay["merge_with_read_s"] / pyarrow_s, 2),
        "work_rss_mib": round(bay["work_rss_mib"], 1),
        "input_csv_mib": round(bay["input_csv_mib"], 1),
        "hart_pyarrow_read_s": round(hart_pyarrow_s, 4),
        **{f"merge_{n}x_s": round(s["merge_s"], 3) for n, s in scales.items()},
        "scale_16x_over_1x": round(big["merge_s"] / scales[1]["merge_s"], 2),
        "work_rss_16x_mib": round(big["work_rss_mib"], 1),
        "input_csv_16x_mib": round(big["input_csv_mib"], 1),
        "work_rss_16x_over_input_csv": round(big["work_rss_mib"] / big["input_csv_mib"], 2),
        "peak_reset_after_inputs": bool(big["peak_reset"]),
        "rows_16x": big["rows"],
    }


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1]), default=str))
