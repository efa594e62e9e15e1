from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

# Every worker of `nodion serve` runs the periodic image retention; the one whose
# conditional UPDATE of `applied_at` comes first applies a policy, once per
# interval (app/registries/images/retention.py).

class Migration(migrations.Migration):
    dependencies = [('nodion', '0013_claimable_deployments')]

    initial = False

    operations = [
        ops.AddField(
            model_name='RetentionPolicy',
            name='applied_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
