from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

# Every worker keeps the registry logins it verified while the database has not
# changed (app/db_changes.py). On PostgreSQL a change is a notification on
# `nodion_changes`, sent by these triggers in the changing transaction and
# delivered to every listening worker when it commits. Statement-level: one per
# statement, whatever the rows. What a kept login depends on: the registry's
# token, username, hostname, type, name and project, and the project's namespace.
# (SQLite needs nothing: there any commit changes the version.)
CREATE = """
CREATE OR REPLACE FUNCTION nodion_notify_change() RETURNS trigger LANGUAGE plpgsql AS $body$
BEGIN
    PERFORM pg_notify('nodion_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$body$;
CREATE TRIGGER registries_login_changed
    AFTER UPDATE OF token_digest, username, hostname, type, name, project_id OR DELETE OR TRUNCATE
    ON registries FOR EACH STATEMENT EXECUTE FUNCTION nodion_notify_change();
CREATE TRIGGER projects_namespace_changed
    AFTER UPDATE OF namespace OR DELETE OR TRUNCATE
    ON projects FOR EACH STATEMENT EXECUTE FUNCTION nodion_notify_change();
"""

DROP = """
DROP TRIGGER IF EXISTS registries_login_changed ON registries;
DROP TRIGGER IF EXISTS projects_namespace_changed ON projects;
DROP FUNCTION IF EXISTS nodion_notify_change();
"""


async def create_on_postgresql(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(CREATE)


async def drop_on_postgresql(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(DROP)


class Migration(migrations.Migration):
    dependencies = [('nodion', '0004_login_attempts_and_key_fingerprints')]

    initial = False

    operations = [
        ops.RunPython(create_on_postgresql, drop_on_postgresql),
    ]
