"""Access tokens of Nodion registries: a table of tokens, and each registry's
generated credentials moved into it as a token named `default` (scope PUSH, no
expiry) with the digest, hint, creation time and last use it had.

The moved ciphertext cannot be decrypted here (a migration has no keys), and it
is bound by its associated data to `registry:<registry id>:token`. So each moved
token row gets its registry's id as its own id, and its ciphertext goes to the
column `moved_ciphertext`, declared (app/registries/models.py) with the context
`registry:{id}:token`: the same binding, so the key check finds the key it names
and `nodion admin rotate-keys` re-encrypts it in place. Tokens made later get
ids above every moved one (PostgreSQL's sequence is moved past them; SQLite
numbers after the largest id) and their ciphertext in `ciphertext`, bound to
`registry_token:{id}:token`. Nothing decrypts either for use: a Nodion token is
checked by its digest.

On PostgreSQL a trigger tells every worker (app/db_changes.py) when a token's
digest, scope, expiry, grace period or revocation changes, so a revoked token
is refused by the very next login on any worker.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops
from app.registries.models import TokenScope
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps

# `created_by`: who generated them, when the audit trail still says so.
MOVE = """
INSERT INTO registry_tokens (id, registry_id, project_id, name, scope, digest, hint,
    moved_ciphertext, created_at, created_by, last_used_at)
SELECT r.id, r.id, r.project_id, 'default', 'PUSH', r.token_digest, r.token_hint,
    r.token_ciphertext, COALESCE(r.credentials_created_at, r.created_at),
    (SELECT a.actor_email FROM audit_events a WHERE a.target_type = 'Registry'
        AND a.target_id = r.id AND a.action = 'credentials.generated'
        ORDER BY a.id LIMIT 1),
    r.last_used_at
FROM registries r
WHERE r.type = 'NODION' AND r.token_digest IS NOT NULL AND r.token_ciphertext IS NOT NULL;
UPDATE registries SET token_digest = NULL, token_ciphertext = NULL
WHERE type = 'NODION' AND token_digest IS NOT NULL;
"""

POSTGRESQL_AFTER_MOVE = """
SELECT setval(pg_get_serial_sequence('registry_tokens', 'id'),
    COALESCE((SELECT MAX(id) FROM registry_tokens), 0) + 1, false);
CREATE TRIGGER registry_tokens_login_changed
    AFTER UPDATE OF digest, scope, expires_at, grace_ends_at, revoked_at, registry_id
    OR DELETE OR TRUNCATE
    ON registry_tokens FOR EACH STATEMENT EXECUTE FUNCTION nodion_notify_change();
"""

DROP_TRIGGER = "DROP TRIGGER IF EXISTS registry_tokens_login_changed ON registry_tokens;"


async def move_credentials(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    client = schema_editor.client
    await client.execute_script(MOVE)
    if client.capabilities.dialect == "postgres":
        await client.execute_script(POSTGRESQL_AFTER_MOVE)


async def drop_trigger(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    # Going back leaves the moved tokens where they are (the table goes with it).
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script(DROP_TRIGGER)


class Migration(migrations.Migration):
    dependencies = [('nodion', '0008_unique_names')]

    initial = False

    operations = [
        ops.CreateModel(
            name='RegistryToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('registry', fields.ForeignKeyField('nodion.Registry', source_field='registry_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('project', fields.ForeignKeyField('nodion.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='registry_tokens', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('scope', fields.CharEnumField(description='PULL: PULL\nPUSH: PUSH', enum_type=TokenScope, max_length=8)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('hint', fields.CharField(max_length=4)),
                ('ciphertext', fields.BinaryField(null=True)),
                ('moved_ciphertext', fields.BinaryField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(null=True, max_length=254)),
                ('lifetime', fields.IntField(null=True)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('grace_ends_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('replaced_by_id', fields.IntField(null=True)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expired_use_noted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'registry_tokens', 'app': 'nodion', 'indexes': [Index(fields=['registry_id', 'id'])], 'pk_attr': 'id', 'table_description': 'An access token of a Nodion registry (`docker login` password). The secret'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Registry',
            name='credentials_end_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.RunPython(move_credentials, drop_trigger),
    ]
