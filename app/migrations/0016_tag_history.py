# A tag's short history (its latest pushes, app/registries/images/history.py), and
# the registry's own timestamp of a tag's push, which orders pushes whose
# timestamps were clamped to their arrival (issue 30).
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('nodion', '0015_repository_stats')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ImageTagPush',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('repository', fields.ForeignKeyField('nodion.ImageRepository', source_field='repository_id', db_constraint=True, to_field='id', related_name='tag_pushes', on_delete=OnDelete.CASCADE)),
                ('tag', fields.CharField(max_length=128)),
                ('digest', fields.CharField(max_length=100)),
                ('pushed_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reported_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('pushed_by', fields.CharField(null=True, max_length=255)),
            ],
            options={'table': 'image_tag_pushes', 'app': 'nodion', 'indexes': [Index(fields=['repository_id', 'tag', 'pushed_at'])], 'pk_attr': 'id', 'table_description': "One push to a tag as its registry reported it: the tag's short history"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='ImageTag',
            name='reported_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
