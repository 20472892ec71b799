"""One partition per operator, added when the registry gains an operator (see sensors.py)."""

from dagster import DynamicPartitionsDefinition

OPERATORS_PARTITION = "operators"
operators_partitions = DynamicPartitionsDefinition(name=OPERATORS_PARTITION)
