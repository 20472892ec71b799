"""The operator registry as an asset: parsed and validated once per run."""


from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, ResourceParam, asset

from assets.previews import registry_markdown
from regie.pool import Pool


@asset(
    group_name="registry",
    kinds={"yaml"},
    owners=["team:data-engineering"],
)
def operator_registry(context: AssetExecutionContext, pool: ResourceParam[Pool]) -> MaterializeResult:
    """The region and its operators, from `region.yaml` and `operators.yaml`, validated.

    A bad registry fails here with the file, operator and key at fault, before any fetch.
    """
    region, registry = pool.region, pool.registry
    context.log.info(f"{region.name}: {len(registry.operators)} operators, as of {region.as_of}")
    return MaterializeResult(
        metadata={
            "dagster/row_count": len(registry.operators),
            "region": region.name,
            "as_of": region.as_of.isoformat(),
            "config_dir": str(pool.paths.config_dir),
            "preview": MetadataValue.md(registry_markdown(registry)),
        }
    )
