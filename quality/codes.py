"""Every notice code the gate can see: MobilityData's canonical codes (gtfs-guru), the own rules',
the pre-screen's and the engine's, and the region's expectations (`region_*`). A waiver for a
code outside these never matches anything."""

from __future__ import annotations

from functools import cache

from quality.rules.registry import OWN_CODES

PIPELINE_CODES = frozenset({
    # the pre-screen and the reader (quality.prescreen, regie.gtfs)
    "invalid_zip_file", "feed_unreadable", "feed_in_subfolder", "feed_file_missing", "feed_file_empty",
    "folder_unsafe_entry", "junk_member", "zip_compression_ratio_too_high", "zip_member_encrypted",
    "zip_too_many_members", "zip_uncompressed_size_too_large", "zip_unsafe_member_name",
    "zip_member_size_understated", "table_unreadable", "file_encoding_unreadable",
    # the engine and the downloads
    "engine_failure", "feed_download_failed",
})
EXPECTATION_PREFIX = "region_"


@cache
def canonical_codes() -> frozenset[str]:
    import gtfs_guru  # lazy: the canonical engine's module is only needed for its list of codes

    return frozenset(gtfs_guru.notice_codes())


def is_known_code(code: str) -> bool:
    return (code in OWN_CODES or code in PIPELINE_CODES or code.startswith(EXPECTATION_PREFIX)
            or code in canonical_codes())
