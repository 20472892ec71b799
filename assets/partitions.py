"""One partition per operator, added when the registry gains an operator (see sensors.py), and
the checks of per-operator assets, whose results are kept per operator."""

import warnings

from dagster import AssetCheckSpec, DynamicPartitionsDefinition, PreviewWarning

OPERATORS_PARTITION = "operators"
operators_partitions = DynamicPartitionsDefinition(name=OPERATORS_PARTITION)


def operator_check(name: str, *, asset: str, description: str, blocking: bool = False) -> AssetCheckSpec:
    """A check of a per-operator asset, partitioned like it: the UI shows each operator's result,
    not whichever operator ran last. (Partitioned checks are a preview in Dagster 1.13.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PreviewWarning)
        return AssetCheckSpec(name, asset=asset, description=description, blocking=blocking,
                              partitions_def=operators_partitions)
