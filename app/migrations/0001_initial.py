from tortoise import migrations
from tortoise.migrations import operations as ops
from app.projects.models import Role
from app.registries.models import RegistryType
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Project',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(max_length=100)),
                ('namespace', fields.CharField(unique=True, max_length=63)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'projects', 'app': 'nodion', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Registry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('nodion.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='registries', on_delete=OnDelete.CASCADE)),
                ('type', fields.CharEnumField(description='NODION: NODION\nDOCKER_HUB: DOCKER_HUB\nGHCR: GHCR\nCUSTOM: CUSTOM', enum_type=RegistryType, max_length=16)),
                ('name', fields.CharField(max_length=100)),
                ('hostname', fields.CharField(max_length=261)),
                ('region', fields.CharField(null=True, max_length=63)),
                ('is_default', fields.BooleanField(default=False)),
                ('username', fields.CharField(null=True, max_length=255)),
                ('token_ciphertext', fields.BinaryField(null=True)),
                ('token_digest', fields.CharField(null=True, unique=True, max_length=64)),
                ('token_hint', fields.CharField(null=True, max_length=4)),
                ('credentials_created_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('credentials_updated_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'registries', 'app': 'nodion', 'indexes': [Index(fields=['project_id', 'region'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'users', 'app': 'nodion', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('nodion.User', source_field='user_id', db_constraint=True, to_field='id', related_name='api_tokens', on_delete=OnDelete.CASCADE)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('hint', fields.CharField(max_length=4)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_tokens', 'app': 'nodion', 'pk_attr': 'id', 'table_description': 'A personal API token. Only its keyed digest is stored.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('nodion.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='audit_events', on_delete=OnDelete.CASCADE)),
                ('actor', fields.ForeignKeyField('nodion.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', related_name='audit_events', on_delete=OnDelete.SET_NULL)),
                ('actor_email', fields.CharField(null=True, max_length=254)),
                ('action', fields.CharField(max_length=64)),
                ('target_type', fields.CharField(max_length=32)),
                ('target_id', fields.IntField()),
                ('target_name', fields.CharField(max_length=261)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_events', 'app': 'nodion', 'indexes': [Index(fields=['project_id', 'id'])], 'pk_attr': 'id', 'table_description': 'Who did what to which object. Never holds a secret.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProjectMember',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('nodion.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('nodion.User', source_field='user_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('role', fields.CharEnumField(description='ADMIN: ADMIN\nDEVELOPER: DEVELOPER\nVIEWER: VIEWER', enum_type=Role, max_length=16)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'project_members', 'app': 'nodion', 'unique_together': (('project', 'user'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
