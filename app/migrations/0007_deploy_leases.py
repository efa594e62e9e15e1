from tortoise import fields, migrations
from tortoise.migrations import operations as ops

class Migration(migrations.Migration):
    dependencies = [('nodion', '0006_scale_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Deployment',
            name='lease_expires_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Deployment',
            name='attempts',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
