"""The canonical engine started before the rest of the validation has even loaded.

`regie validate` is one short process: about half a second of imports (pandas, the rules, the
reports) would come before the canonical child starts. `start_early` pre-screens the feed and
starts the child first, with nothing but the standard library, pydantic and this package's light
modules loaded; the validation then picks the running job up (`StartedEngine.start`). A file that
fails the pre-screen is never handed to the engine, as in `quality.validate.validate_feed`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from quality.config import QualityConfig
from quality.engine import CanonicalEngine, EngineJob, GtfsGuruEngine
from quality.prescreen import prescreen_records, records_safe


class StartedEngine(CanonicalEngine):
    """An engine whose job for one (feed, date) is already running: `start` returns that job for
    them (once), and starts a new one for anything else."""

    def __init__(self, engine: CanonicalEngine, job: EngineJob, path: Path, validation_date: date):
        self.engine, self.name = engine, engine.name
        self._job: EngineJob | None = job
        self._key = (Path(path).resolve(), validation_date)

    def version(self) -> str:
        return self.engine.version()

    def start(self, path: Path, validation_date: date, *, country_code: str | None = None) -> EngineJob:
        job, self._job = self._job, None
        if job is not None and country_code is None and (Path(path).resolve(), validation_date) == self._key:
            return job
        if job is not None:
            job.cancel()
        return self.engine.start(path, validation_date, country_code=country_code)


def start_early(path: Path, validation_date: date, config: QualityConfig) -> CanonicalEngine | None:
    """The canonical engine already validating the feed at `path`, or None when the pre-screen
    finds it unsafe (then the validation reports why, and no engine opens it)."""
    if not records_safe(prescreen_records(path, config.prescreen)):
        return None
    engine = GtfsGuruEngine(config.engine)
    return StartedEngine(engine, engine.start(path, validation_date), path, validation_date)
