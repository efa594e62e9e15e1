from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

# The images index of the managed registries (repositories, tags, the ids of
# notifications applied), their retention policies, and deploy on push.

class Migration(migrations.Migration):
    dependencies = [('nodion', '0011_trusted_publishers')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImageEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('region', fields.CharField(max_length=63)),
                ('event_id', fields.CharField(max_length=100)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'image_events', 'app': 'nodion', 'unique_together': (('region', 'event_id'),), 'indexes': [Index(fields=['received_at'])], 'pk_attr': 'id', 'table_description': 'A notification already applied: distribution delivers at least once and'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImageRepository',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('nodion.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='image_repositories', on_delete=OnDelete.CASCADE)),
                ('region', fields.CharField(max_length=63)),
                ('name', fields.CharField(max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'image_repositories', 'app': 'nodion', 'unique_together': (('region', 'name'),), 'indexes': [Index(fields=['project_id', 'region', 'id']), Index(fields=['project_id', 'id'])], 'pk_attr': 'id', 'table_description': "A repository in a region's managed registry, named as docker names it"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ImageTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('repository', fields.ForeignKeyField('nodion.ImageRepository', source_field='repository_id', db_constraint=True, to_field='id', related_name='tags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=128)),
                ('digest', fields.CharField(max_length=100)),
                ('media_type', fields.CharField(max_length=255)),
                ('size_bytes', fields.BigIntField(null=True)),
                ('pushed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('pushed_by', fields.CharField(null=True, max_length=255)),
            ],
            options={'table': 'image_tags', 'app': 'nodion', 'unique_together': (('repository', 'name'),), 'indexes': [Index(fields=['repository_id', 'id']), Index(fields=['repository_id', 'digest'])], 'pk_attr': 'id', 'table_description': 'A tag and the manifest it points at. A push to a tag replaces its row, so'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RetentionPolicy',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('registry', fields.OneToOneField('nodion.Registry', source_field='registry_id', db_constraint=True, to_field='id', related_name='retention_policy', on_delete=OnDelete.CASCADE)),
                ('keep_last', fields.IntField(null=True)),
                ('older_than_days', fields.IntField(null=True)),
                ('repositories', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'retention_policies', 'app': 'nodion', 'pk_attr': 'id', 'table_description': 'Which tags of a Nodion registry `nodion admin apply-retention` deletes.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Application',
            name='deploy_on_push',
            field=fields.BooleanField(default=False, db_default=False),
        ),
    ]
