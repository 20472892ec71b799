"""Great Expectations 1.x, set up once per process: the ephemeral context, and running a suite.

GX runs in one ephemeral context per process, created on first use (never at import), without
progress bars, temporary docs site or kept results, its loggers quietened to WARNING unless the
application configured them. Batches are not fingerprinted and results are not stored (neither
is ever read).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import warnings
from typing import Any

import pandas as pd

_LOCK = threading.RLock()
_CONTEXT: Any = None
_DATASOURCE: Any = None
_VALIDATIONS: dict[str, Any] = {}


def _quiet_gx_logging() -> None:
    """GX logs at INFO (and dumps class dicts at DEBUG) on import and context creation: keep only
    its WARNINGs, unless the application set a level for it itself. Call before importing GX."""
    logger = logging.getLogger("great_expectations")
    if logger.level == logging.NOTSET:
        logger.setLevel(logging.WARNING)


def import_gx() -> None:
    """Import GX quietly: its loggers first, then the import without its DeprecationWarnings
    (sre_constants / sre_parse, raised by GX's own modules)."""
    _quiet_gx_logging()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import great_expectations  # noqa: F401


def _context() -> Any:
    global _CONTEXT, _DATASOURCE
    with _LOCK:
        if _CONTEXT is None:
            import_gx()
            import great_expectations as gx
            import great_expectations.execution_engine.pandas_execution_engine as pandas_engine
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )

            config = DataContextConfig(
                store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
                progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
                analytics_enabled=False,
            )
            # GX fingerprints every batch smaller than HASH_THRESHOLD bytes (a hash of every row,
            # ~15 % of its time on HART) for batch markers we never read: results are not kept
            pandas_engine.HASH_THRESHOLD = 0
            context = gx.get_context(mode="ephemeral", project_config=config)
            _DATASOURCE = context.data_sources.add_or_update_pandas("regie")
            _CONTEXT = context
        return _CONTEXT


def warm_up() -> None:
    """Import GX and create the context now: importing GX takes about 2 s, once per process."""
    _context()


def _validation(table: str, expectations: list[Any]) -> Any:
    """The cached ValidationDefinition running exactly these expectations on `table`."""
    import great_expectations as gx

    signature = repr([expectation.configuration.to_json_dict() for expectation in expectations])
    name = f"{table}-{hashlib.sha1(signature.encode()).hexdigest()[:12]}"
    with _LOCK:
        if name not in _VALIDATIONS:
            context = _context()
            try:
                asset = _DATASOURCE.get_asset(table)
            except LookupError:
                asset = _DATASOURCE.add_dataframe_asset(table)
            try:
                batch = asset.get_batch_definition("whole")
            except KeyError:
                batch = asset.add_batch_definition_whole_dataframe("whole")
            suite = context.suites.add_or_update(gx.ExpectationSuite(name=name, expectations=list(expectations)))
            _VALIDATIONS[name] = context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=name, data=batch, suite=suite))
        return _VALIDATIONS[name]


def run_suite(table: str, expectations: list[Any], frame: pd.DataFrame, result_format: dict[str, Any]) -> Any:
    """Validate `frame` against these GX expectations (a suite named after `table` and them,
    built once); returns GX's ExpectationSuiteValidationResult in `result_format`."""
    from great_expectations.validator.v1_validator import Validator

    with _LOCK:
        definition = _validation(table, expectations)
        # what ValidationDefinition.run does, without checking that its suite is still the stored
        # one (it is: the definition is built here, never edited) and without storing the result
        # (never read, so far deleted right away): ~15 % of GX's time on HART
        validator = Validator(batch_definition=definition.batch_definition, batch_parameters={"dataframe": frame},
                              result_format=result_format)
        result = validator.validate_expectation_suite(definition.suite)
        batches = _DATASOURCE.get_execution_engine().batch_manager  # the last frame of each table
        batches.batch_data_cache.clear()
        batches.reset_batch_cache()
        return result
