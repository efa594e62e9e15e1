from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

# The deploy claim takes the oldest PENDING deployment of a region, or the oldest
# CLAIMED one whose lease ran out (app/applications/leases.py). Both databases
# read that OR badly from the (region, status, id) index: SQLite searched it by
# region alone and sorted all the region's rows, PostgreSQL walked the primary
# key from the oldest deployment and filtered the finished ones out. An index of
# the unfinished rows only, in id order per region, is small (the queue, not the
# history) and gives the oldest row first. The claim names its condition
# (`status IN ('PENDING', 'CLAIMED')`), which SQLite needs to use it.
#
# Written here, not in the model: Tortoise's PartialIndex has equality conditions
# only. So Tortoise does not know the index: a later migration that makes
# Tortoise rebuild the deployments table on SQLite must create it again (see
# 0010 for the audit indexes). tests/graphql/test_query_plans.py fails without it.
CREATE = """
CREATE INDEX IF NOT EXISTS deployments_claimable
    ON deployments (region, id) WHERE status IN ('PENDING', 'CLAIMED');
"""
DROP = "DROP INDEX IF EXISTS deployments_claimable;"


async def create_index(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    await schema_editor.client.execute_script(CREATE)


async def drop_index(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    await schema_editor.client.execute_script(DROP)


class Migration(migrations.Migration):
    dependencies = [('nodion', '0012_images')]

    initial = False

    operations = [
        ops.RunPython(create_index, drop_index),
    ]
