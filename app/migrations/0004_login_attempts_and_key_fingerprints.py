from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.migrations.schema_editor.base import BaseSchemaEditor
from tortoise.migrations.schema_generator.state_apps import StateApps



async def unlogged_on_postgresql(apps: StateApps, schema_editor: BaseSchemaEditor) -> None:
    """Throttle counts need no crash safety (a crash only forgets recent failures),
    so PostgreSQL writes no WAL for them: counting a failure costs no disk flush."""
    if schema_editor.client.capabilities.dialect == "postgres":
        await schema_editor.client.execute_script("ALTER TABLE login_attempts SET UNLOGGED")


class Migration(migrations.Migration):
    dependencies = [('nodion', '0003_applications')]

    initial = False

    operations = [
        ops.CreateModel(
            name='KeyFingerprint',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('fingerprint', fields.CharField(max_length=64)),
                ('recorded_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'key_fingerprints', 'app': 'nodion', 'pk_attr': 'name', 'table_description': 'An HMAC of a fixed label under a key: tells whether a configured key is the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginAttempt',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('key', fields.CharField(max_length=32)),
                ('bucket', fields.BigIntField()),
                ('attempts', fields.IntField(default=0)),
            ],
            options={'table': 'login_attempts', 'app': 'nodion', 'unique_together': (('key', 'bucket'),), 'pk_attr': 'id', 'table_description': 'Attempts of one throttle key in one time bucket (see app/security/throttle.py).'},
            bases=['Model'],
        ),
        ops.RunPython(unlogged_on_postgresql, ops.RunPython.noop),
    ]
