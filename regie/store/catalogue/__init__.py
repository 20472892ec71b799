"""The catalogue database: every feed version and every fetch, through SQLAlchemy Core."""

from regie.store.catalogue.migrations import SCHEMA_VERSION, migrate
from regie.store.catalogue.repository import Catalogue, FeedStatus, FetchRecord, VersionRecord

__all__ = ["SCHEMA_VERSION", "Catalogue", "FeedStatus", "FetchRecord", "VersionRecord", "migrate"]
