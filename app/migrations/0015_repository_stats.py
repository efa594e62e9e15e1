from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

# A repository's tag count, last push and size, kept on its row by every write
# of its tags (app/registries/images/stats.py) so the images tab stops summing
# every tag of its page's repositories per request. The repositories indexed
# before this migration get theirs here, with the same statement as a refresh
# (copied: a migration must not change when the app's code does).
BACKFILL = (
    "UPDATE image_repositories SET "
    "tag_count = (SELECT COUNT(*) FROM image_tags "
    "WHERE image_tags.repository_id = image_repositories.id), "
    "last_pushed_at = (SELECT MAX(pushed_at) FROM image_tags "
    "WHERE image_tags.repository_id = image_repositories.id), "
    "size_bytes = (SELECT CASE WHEN COUNT(*) > 0 AND COUNT(*) = COUNT(size) THEN SUM(size) END "
    "FROM (SELECT MAX(size_bytes) AS size FROM image_tags "
    "WHERE image_tags.repository_id = image_repositories.id GROUP BY digest) AS manifests)"
)


async def backfill(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    await schema_editor.client.execute_script(BACKFILL)


class Migration(migrations.Migration):
    dependencies = [('nodion', '0014_retention_turns')]

    initial = False

    operations = [
        ops.AddField(
            model_name='ImageRepository',
            name='last_pushed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='ImageRepository',
            name='size_bytes',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='ImageRepository',
            name='tag_count',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.RunPython(backfill, ops.RunPython.noop),
    ]
