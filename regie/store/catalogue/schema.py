"""Table definitions of the catalogue (the latest schema; migrations.py builds it step by step)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

feed_versions = Table(
    "feed_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("operator_id", String(64), nullable=False),
    Column("feed_id", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("raw_sha256", String(64), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("is_zip", Integer, nullable=False),
    Column("archive_path", Text, nullable=False),
    Column("source", String(16), nullable=False),  # http | file | submit
    Column("url", Text, nullable=False),
    Column("first_seen_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("operator_id", "feed_id", "content_hash", name="uq_feed_version_content"),
)

fetches = Table(
    "fetches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("operator_id", String(64), nullable=False, index=True),
    Column("feed_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("source", String(16), nullable=False),
    Column("url", Text, nullable=False),
    Column("fetched_at", DateTime(timezone=True), nullable=False, index=True),
    Column("outcome", String(16), nullable=False),  # see Outcome in repository.py
    Column("http_status", Integer),
    Column("etag", Text),
    Column("last_modified", Text),
    Column("content_type", Text),
    Column("raw_sha256", String(64)),
    Column("content_hash", String(64)),
    Column("size_bytes", BigInteger),
    Column("version_id", Integer, ForeignKey("feed_versions.id")),
    Column("snapshot_path", Text),
    Column("attempts", Integer),
    Column("duration_s", Float),
    Column("error", Text),
    Column("final_url", Text),  # migration 4
)

validations = Table(
    "validations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("version_id", Integer, ForeignKey("feed_versions.id"), nullable=False, index=True),
    Column("operator_id", String(64), nullable=False, index=True),
    Column("feed_id", String(64), nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("validated_at", DateTime(timezone=True), nullable=False),
    Column("validation_date", Date, nullable=False),
    Column("config_hash", String(64), nullable=False),
    Column("engine", String(64), nullable=False),
    Column("engine_version", String(32), nullable=False),
    Column("readable", Integer, nullable=False),
    Column("blocked", Integer, nullable=False),
    Column("errors", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("infos", Integer, nullable=False),
    Column("waived", Integer, nullable=False),
    Column("score", Float),
    Column("score_components", JSON),
    Column("expectations", JSON),
    Column("feed_start", Date),
    Column("feed_end", Date),
    Column("report_path", Text),
    Column("duration_s", Float),
)

findings = Table(
    "findings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("validation_id", Integer, ForeignKey("validations.id"), nullable=False, index=True),
    Column("code", String(128), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("source", String(16), nullable=False),
    Column("count", Integer, nullable=False),
    Column("waived_count", Integer, nullable=False),
    Column("blocking_count", Integer, nullable=False),
    Column("files", JSON),
    Column("samples", JSON),
)

applied_waivers = Table(
    "applied_waivers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("validation_id", Integer, ForeignKey("validations.id"), nullable=False, index=True),
    Column("code", String(128), nullable=False),
    Column("file", Text),
    Column("filter", JSON),
    Column("reason", Text, nullable=False),
    Column("granted_by", Text, nullable=False),
    Column("expires", Date, nullable=False),
    Column("active", Integer, nullable=False),
    Column("matched", Integer, nullable=False),
)

fees = Table(
    "fees",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("operator_id", String(64), nullable=False, index=True),
    Column("fee_year", Integer, nullable=False, index=True),
    Column("computed_at", DateTime(timezone=True), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("ok", Integer, nullable=False),
    Column("amount_cents", BigInteger),
    Column("error_code", String(64)),
    Column("feed_version", String(64)),
    Column("tiers_hash", String(64), nullable=False),
    Column("statement", JSON, nullable=False),
)

alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("kind", String(32), nullable=False),  # run_failure | check_failure
    Column("severity", String(8), nullable=False),  # ERROR | WARN
    Column("operator_id", String(64), index=True),  # None: the region's outputs
    Column("asset", String(256)),
    Column("check_name", String(128)),
    Column("cause", Text, nullable=False),
    Column("run_id", String(64)),
    Column("delivered", Integer),  # 1 posted, 0 failed after its retries, None no webhook configured
    Column("attempts", Integer, nullable=False),
    Column("delivery_error", Text),
)
