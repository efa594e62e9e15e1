from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

# Audit events outlive their project: the FK becomes SET NULL (was CASCADE) and
# a deleted project's events carry its namespace (written by the deletion, so no
# backfill: before this migration a deleted project took its events with it).
#
# SQLite cannot alter a foreign key, so Tortoise rebuilds the table there, and
# the rebuild loses its indexes: the dashboard's per-project audit list needs
# them back (the names are the ones 0001 and 0006 created).
SQLITE_INDEXES = """
CREATE INDEX IF NOT EXISTS "idx_audit_event_project_6e631a" ON "audit_events" ("project_id", "id");
CREATE INDEX IF NOT EXISTS "idx_audit_event_project_c85903"
    ON "audit_events" ("project_id", "action", "id");
"""


async def restore_sqlite_indexes(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.client.capabilities.dialect == "sqlite":
        await schema_editor.client.execute_script(SQLITE_INDEXES)


async def nothing_to_undo(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    pass


class Migration(migrations.Migration):
    dependencies = [('nodion', '0007_deploy_leases')]

    initial = False

    operations = [
        ops.CreateModel(
            name='NamespaceQuarantine',
            fields=[
                ('namespace', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=63)),
                ('deleted_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'namespace_quarantine', 'app': 'nodion', 'pk_attr': 'namespace', 'table_description': 'The namespace of a deleted project, not given to a new project until'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='AuditEvent',
            name='project',
            field=fields.ForeignKeyField('nodion.Project', source_field='project_id', null=True, db_constraint=True, to_field='id', related_name='audit_events', on_delete=OnDelete.SET_NULL),
        ),
        ops.RunPython(restore_sqlite_indexes, nothing_to_undo),
        ops.AddField(
            model_name='AuditEvent',
            name='project_namespace',
            field=fields.CharField(null=True, max_length=63),
        ),
        ops.AddIndex(
            model_name='AuditEvent',
            index=Index(fields=['project_namespace', 'id']),
        ),
    ]
