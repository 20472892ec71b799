"""The pre-screen on hostile and broken zips (built in tmp), a real 1.1 GiB zip bomb, and lying headers."""

from __future__ import annotations

import os
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest

from quality.config import PrescreenLimits
from quality.prescreen import Prescreen, prescreen
from regie.gtfs.feed_tables import read_feed_tables

LIMITS = PrescreenLimits()
FEED = {
    "agency.txt": b"agency_id,agency_name,agency_url,agency_timezone\nA,Bus,https://example.org,Europe/Paris\n",
    "stops.txt": b"stop_id,stop_name,stop_lat,stop_lon\ns1,Gare,43.48,-1.55\n",
}
BOMB_CHUNK = 16 << 20
BOMB_CHUNKS = 71  # 1.11 GiB


def _zip(path: Path, members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return path


def _codes(result: Prescreen) -> list[str]:
    return list(result.notices["code"])


def _only(result: Prescreen, code: str) -> dict:
    rows = result.notices[result.notices["code"] == code]
    assert len(rows) == 1, result.notices[["code", "message"]]
    return rows.iloc[0].to_dict()


def _central_entries(data: bytes):
    """(offset, name) of each central directory entry."""
    directory = struct.unpack_from("<L", data, data.rfind(b"PK\x05\x06") + 16)[0]
    while data[directory:directory + 4] == b"PK\x01\x02":
        name_len, extra_len, comment_len = struct.unpack_from("<3H", data, directory + 28)
        yield directory, data[directory + 46:directory + 46 + name_len]
        directory += 46 + name_len + extra_len + comment_len


def _patch_member(path: Path, member: str, *, size: int | None = None, crc: int | None = None, flags: int = 0) -> None:
    """Rewrite a member's declared size, checksum or flag bits in its local and central headers."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(member).header_offset
    central = next(at for at, name in _central_entries(bytes(data)) if name == member.encode())
    for header, flag_at, crc_at in ((local, 6, 14), (central, 8, 16)):
        data[header + flag_at] |= flags
        if crc is not None:
            struct.pack_into("<L", data, header + crc_at, crc)
        if size is not None:
            struct.pack_into("<L", data, header + crc_at + 8, size)
    path.write_bytes(bytes(data))


def _claim_one_member(path: Path) -> None:
    """Make the end-of-central-directory record claim a single member."""
    data = bytearray(path.read_bytes())
    struct.pack_into("<2H", data, data.rfind(b"PK\x05\x06") + 8, 1, 1)
    path.write_bytes(bytes(data))


def _peak_rss_growth(action: Callable[[], object]) -> int:
    """Bytes the process's peak resident memory grew by while `action` ran."""

    def peak() -> int:
        with open("/proc/self/status") as status:
            return next(int(line.split()[1]) << 10 for line in status if line.startswith("VmHWM"))

    try:
        with open("/proc/self/clear_refs", "w") as refs:
            refs.write("5")  # reset the peak to the current resident size
    except OSError:
        pass
    before = peak()
    action()
    return peak() - before


@pytest.fixture(scope="session")
def zip_bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One member of 1.11 GiB of zeros, streamed in 16 MiB chunks (about 5 MB on disk, 1-2 s)."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.zip"
    zeros = bytes(BOMB_CHUNK)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("agency.txt", FEED["agency.txt"])
        with archive.open("stop_times.txt", "w", force_zip64=True) as member:
            for _ in range(BOMB_CHUNKS):
                member.write(zeros)
    return path


@pytest.fixture(scope="session")
def lying_rows() -> bytes:
    """160 MiB of stop_times rows: they compress to well under 1 MiB."""
    row = b"t1,08:00:00,08:00:00,s1,1\n"
    return b"trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + row * ((160 << 20) // len(row))


def test_real_feeds_and_a_clean_zip_are_safe(feeds_dir: Path, tmp_path: Path) -> None:
    for path in (
        _zip(tmp_path / "feed.zip", FEED),
        feeds_dir / "large" / "hart_2020-11-15.zip",
        feeds_dir / "regional_bayarea" / "caltrain_2017-10-02.zip",
        feeds_dir / "errors" / "transitfeed" / "good_feed",
    ):
        result = prescreen(path, LIMITS)
        assert result.safe and result.notices.empty, (path, result.notices)


def test_a_missing_file(tmp_path: Path) -> None:
    result = prescreen(tmp_path / "gone.zip", LIMITS)
    assert not result.safe
    assert "gone.zip" in _only(result, "feed_file_missing")["message"]
    assert set(result.notices["source"]) == {"prescreen"} and set(result.notices["severity"]) == {"ERROR"}


def test_an_empty_file_or_archive(tmp_path: Path) -> None:
    (tmp_path / "empty.zip").write_bytes(b"")
    result = prescreen(tmp_path / "empty.zip", LIMITS)
    assert not result.safe and "empty.zip" in _only(result, "feed_file_empty")["message"]
    result = prescreen(_zip(tmp_path / "hollow.zip", {"gtfs/": b""}), LIMITS)
    assert not result.safe and "hollow.zip" in _only(result, "feed_file_empty")["message"]


def test_not_a_zip(tmp_path: Path, feeds_dir: Path) -> None:
    page = tmp_path / "feed.zip"
    page.write_bytes(b"<html>maintenance</html>")
    fixture = feeds_dir / "errors" / "transitfeed" / "unknown_format.zip"
    truncated = _zip(tmp_path / "truncated.zip", FEED)
    truncated.write_bytes(truncated.read_bytes()[:100])
    for path in (page, fixture, truncated):
        result = prescreen(path, LIMITS)
        assert not result.safe
        assert path.name in _only(result, "invalid_zip_file")["message"]


def test_encrypted_members(tmp_path: Path) -> None:
    path = _zip(tmp_path / "secret.zip", FEED)
    _patch_member(path, "stops.txt", flags=0x1)
    result = prescreen(path, LIMITS)
    notice = _only(result, "zip_member_encrypted")
    assert not result.safe and notice["context"]["member"] == "stops.txt" and "secret.zip" in notice["message"]


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/passwd", "C:\\x.txt", "gtfs\\..\\evil.txt", "a/../../b.txt", "c:/x.txt"])
def test_unsafe_member_names(tmp_path: Path, name: str) -> None:
    path = _zip(tmp_path / "feed.zip", {**FEED, name: b"x"})
    result = prescreen(path, LIMITS)
    notice = _only(result, "zip_unsafe_member_name")
    assert not result.safe and notice["context"]["member"] == name and notice["severity"] == "ERROR"
    assert not (tmp_path / "evil.txt").exists() and not (tmp_path.parent / "evil.txt").exists()


def test_a_nul_byte_in_a_member_name(tmp_path: Path) -> None:
    path = _zip(tmp_path / "feed.zip", {**FEED, "stops.txtXevil": b"x"})
    path.write_bytes(path.read_bytes().replace(b"stops.txtXevil", b"stops.txt\x00evil"))
    result = prescreen(path, LIMITS)
    assert not result.safe and _only(result, "zip_unsafe_member_name")["context"]["member"] == "stops.txt\x00evil"


def test_too_many_members_even_when_the_directory_record_lies(tmp_path: Path) -> None:
    limits = PrescreenLimits(max_members=5)
    members = {f"extra_{i}.txt": b"a\n" for i in range(6)}
    assert "zip_too_many_members" in _codes(prescreen(_zip(tmp_path / "many.zip", members), limits))
    liar = _zip(tmp_path / "liar.zip", members)
    _claim_one_member(liar)
    result = prescreen(liar, limits)
    assert not result.safe and "liar.zip" in _only(result, "zip_too_many_members")["message"]


def test_a_huge_directory_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    wide = _zip(tmp_path / "wide.zip", {f"{'x' * 200}_{i}.txt": b"" for i in range(60)})
    _claim_one_member(wide)
    result = prescreen(wide, PrescreenLimits(max_members=3))
    assert "zip directory" in _only(result, "zip_too_many_members")["message"]


def test_uncompressed_size_over_the_limit(tmp_path: Path) -> None:
    path = _zip(tmp_path / "big.zip", {**FEED, "shapes.txt": os.urandom(3 << 20)}, zipfile.ZIP_STORED)
    result = prescreen(path, PrescreenLimits(max_uncompressed_bytes=2 << 20))
    notice = _only(result, "zip_uncompressed_size_too_large")
    assert not result.safe and "big.zip" in notice["message"] and notice["context"]["limit"] == 2 << 20


def test_compression_ratio_ignores_tiny_members(tmp_path: Path) -> None:
    tiny = prescreen(_zip(tmp_path / "tiny.zip", {**FEED, "shapes.txt": bytes(60 << 10)}), LIMITS)
    assert tiny.safe and tiny.notices.empty
    result = prescreen(_zip(tmp_path / "zeros.zip", {**FEED, "shapes.txt": bytes(4 << 20)}), LIMITS)
    ratios = result.notices[result.notices["code"] == "zip_compression_ratio_too_high"]
    assert not result.safe and len(ratios) == 2  # the member and the whole file
    assert ratios.iloc[0]["context"]["member"] == "shapes.txt" and ratios.iloc[0]["context"]["ratio"] > 100


def test_junk_members_warn_without_blocking(tmp_path: Path) -> None:
    junk = ["__MACOSX/._stops.txt", "._agency.txt", ".DS_Store", "gtfs/Thumbs.db", "desktop.ini"]
    result = prescreen(_zip(tmp_path / "mac.zip", {**FEED, **{name: b"junk" for name in junk}}), LIMITS)
    assert result.safe
    assert _codes(result) == ["junk_member"] * len(junk)
    assert set(result.notices["severity"]) == {"WARNING"}
    assert sorted(c["member"] for c in result.notices["context"]) == sorted(junk)


def test_a_feed_in_a_subfolder_warns(tmp_path: Path) -> None:
    nested = {f"gtfs/{name}": data for name, data in FEED.items()}
    result = prescreen(_zip(tmp_path / "nested.zip", {**nested, "__MACOSX/._agency.txt": b""}), LIMITS)
    assert result.safe
    notice = _only(result, "feed_in_subfolder")
    assert notice["severity"] == "WARNING" and notice["context"]["folder"] == "gtfs" and "nested.zip" in notice["message"]
    assert prescreen(_zip(tmp_path / "both.zip", {**FEED, **nested}), LIMITS).notices.empty


def test_other_compression_methods_are_refused(tmp_path: Path) -> None:
    result = prescreen(_zip(tmp_path / "bz.zip", FEED, zipfile.ZIP_BZIP2), LIMITS)
    assert not result.safe and set(_codes(result)) == {"invalid_zip_file"}


def test_a_folder_is_a_valid_input_unless_a_link_escapes_it(tmp_path: Path) -> None:
    folder = tmp_path / "feed"
    folder.mkdir()
    for name, data in FEED.items():
        (folder / name).write_bytes(data)
    (folder / "routes.txt").symlink_to(folder / "stops.txt")
    assert prescreen(folder, LIMITS).safe and prescreen(folder, LIMITS).notices.empty
    (folder / "shapes.txt").symlink_to("/etc/passwd")
    result = prescreen(folder, LIMITS)
    notice = _only(result, "folder_unsafe_entry")
    assert not result.safe and notice["context"]["member"] == "shapes.txt"
    (tmp_path / "void").mkdir()
    assert _codes(prescreen(tmp_path / "void", LIMITS)) == ["feed_file_empty"]


def test_a_real_zip_bomb_is_flagged_without_being_inflated(
    zip_bomb: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the pre-screen must not inflate anything")

    for method in ("open", "read", "extract", "extractall", "testzip"):
        monkeypatch.setattr(zipfile.ZipFile, method, refuse)
    listing = sorted(zip_bomb.parent.iterdir()), sorted(tmp_path.iterdir())
    results: list[Prescreen] = []
    growth = _peak_rss_growth(lambda: results.append(prescreen(zip_bomb, LIMITS)))
    (result,) = results
    assert not result.safe
    codes = _codes(result)
    assert "zip_uncompressed_size_too_large" in codes and codes.count("zip_compression_ratio_too_high") == 2
    assert "stop_times.txt" in " ".join(result.notices["message"])
    assert (sorted(zip_bomb.parent.iterdir()), sorted(tmp_path.iterdir())) == listing
    assert growth < 100 << 20


def test_a_lying_header_is_not_inflated_past_its_declared_size(tmp_path: Path, lying_rows: bytes) -> None:
    path = _zip(tmp_path / "liar.zip", {**FEED, "stop_times.txt": lying_rows})
    _patch_member(path, "stop_times.txt", size=200, crc=zlib.crc32(lying_rows[:200]))
    screened = prescreen(path, LIMITS)
    assert not screened.safe and "understates" in _only(screened, "invalid_zip_file")["message"]
    tables = []
    growth = _peak_rss_growth(lambda: tables.append(read_feed_tables(path)))
    (feed,) = tables
    assert growth < 100 << 20
    assert "stop_times" not in feed.tables and set(feed.tables) == {"agency", "stops"}
    (problem,) = feed.problems
    assert problem.file == "stop_times.txt" and problem.kind == "unreadable" and "200 bytes" in problem.detail


def test_a_plausible_lying_header_fails_its_checksum_without_inflating(tmp_path: Path, lying_rows: bytes) -> None:
    path = _zip(tmp_path / "liar.zip", {**FEED, "stop_times.txt": lying_rows})
    with zipfile.ZipFile(path) as archive:
        declared = 2 * archive.getinfo("stop_times.txt").compress_size  # passes the header check
    _patch_member(path, "stop_times.txt", size=declared)
    screened = prescreen(path, LIMITS)  # headers alone cannot tell: the data is inflated up to the declared size
    assert not screened.safe and "inflates to more than" in _only(screened, "zip_member_size_understated")["message"]
    tables = []
    growth = _peak_rss_growth(lambda: tables.append(read_feed_tables(path)))
    assert growth < 100 << 20
    (problem,) = tables[0].problems
    assert problem.kind == "unreadable" and "does not match its zip header" in problem.detail
