import unicodedata

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.migrations.constraints import UniqueConstraint
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

# Project names become unique per user (owner, name_key) and third-party
# registries unique per project (project, identity). Existing rows are filled
# in before the unique indexes are built. Old databases may already hold
# duplicates (that was allowed): the first row (lowest id) keeps the plain key,
# every later one gets `#<id>` appended, so the index builds, no row is renamed
# or removed, and nothing visible changes; new duplicates are refused from now on.
# The functions are copied here (not imported) so this migration does not change
# when app code does: NFKC + casefold, as app/projects/namespaces.py name_key.


def _name_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def _placeholders(schema_editor: BaseSchemaEditor, count: int) -> list[str]:
    if schema_editor.client.capabilities.dialect == "postgres":
        return [f"${n}" for n in range(1, count + 1)]
    return ["?"] * count


async def fill_keys(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    client = schema_editor.client
    first, second, third = _placeholders(schema_editor, 3)
    projects = await client.execute_query_dict(
        "SELECT p.id, p.name, (SELECT m.user_id FROM project_members m WHERE m.project_id = p.id"
        " ORDER BY CASE WHEN m.role = 'ADMIN' THEN 0 ELSE 1 END, m.id LIMIT 1) AS owner_id"
        " FROM projects p ORDER BY p.id"
    )
    seen: set[tuple[object, str]] = set()
    for row in projects:
        key = _name_key(row["name"])
        if (row["owner_id"], key) in seen:
            key = f"{key}#{row['id']}"
        seen.add((row["owner_id"], key))
        await client.execute_query(
            f"UPDATE projects SET owner_id = {first}, name_key = {second} WHERE id = {third}",
            [row["owner_id"], key, row["id"]],
        )
    registries = await client.execute_query_dict(
        "SELECT id, project_id, type, hostname, username FROM registries"
        " WHERE type <> 'NODION' ORDER BY id"
    )
    taken: set[tuple[int, str]] = set()
    for row in registries:
        identity = f"{row['type']} {row['hostname']} {row['username'] or ''}".rstrip()
        if (row["project_id"], identity) in taken:
            identity = f"{identity}#{row['id']}"
        taken.add((row["project_id"], identity))
        await client.execute_query(
            f"UPDATE registries SET identity = {first} WHERE id = {second}",
            [identity, row["id"]],
        )


async def nothing_to_undo(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """The columns go away with the fields when migrating backwards."""

class Migration(migrations.Migration):
    dependencies = [('nodion', '0007_deploy_leases')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Project',
            name='name_key',
            field=fields.CharField(null=True, max_length=400),
        ),
        ops.AddField(
            model_name='Project',
            name='owner',
            field=fields.ForeignKeyField('nodion.User', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='owned_projects', on_delete=OnDelete.SET_NULL),
        ),
        ops.AddField(
            model_name='Registry',
            name='identity',
            field=fields.CharField(null=True, max_length=600),
        ),
        ops.RunPython(fill_keys, nothing_to_undo),
        ops.AddConstraint(
            model_name='Project',
            constraint=UniqueConstraint(fields=('owner', 'name_key'), name=None),
        ),
        ops.AddConstraint(
            model_name='Registry',
            constraint=UniqueConstraint(fields=('project', 'identity'), name=None),
        ),
    ]
