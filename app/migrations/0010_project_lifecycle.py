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

# On PostgreSQL Tortoise's AlterField changes the column's NULL only, not the
# constraint's ON DELETE: the foreign key is replaced here.
POSTGRES_FOREIGN_KEY = """
DO $body$
DECLARE existing text;
BEGIN
    FOR existing IN
        SELECT con.conname FROM pg_constraint con
        JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
        WHERE con.conrelid = 'audit_events'::regclass AND con.contype = 'f'
          AND att.attname = 'project_id'
    LOOP
        EXECUTE format('ALTER TABLE audit_events DROP CONSTRAINT %I', existing);
    END LOOP;
    ALTER TABLE audit_events ADD CONSTRAINT audit_events_project_id_fkey
        FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE {on_delete};
END
$body$;
"""


async def set_null_on_postgresql(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(POSTGRES_FOREIGN_KEY.format(on_delete="SET NULL"))


async def cascade_on_postgresql(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(POSTGRES_FOREIGN_KEY.format(on_delete="CASCADE"))


async def restore_sqlite_indexes(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.client.capabilities.dialect == "sqlite":
        await schema_editor.client.execute_script(SQLITE_INDEXES)


async def nothing_to_undo(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    pass


class Migration(migrations.Migration):
    dependencies = [('nodion', '0009_registry_tokens')]

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
        ops.RunPython(set_null_on_postgresql, cascade_on_postgresql),
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
