# The turns of the domains' periodic tasks (app/periodic.py): every worker of
# `nodion serve` wakes on a task's interval, and the one whose conditional UPDATE
# of `taken_at` comes first runs it, once per interval across workers and hosts.
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('nodion', '0016_tag_history')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PeriodicTurn',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('taken_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'periodic_turns', 'app': 'nodion', 'pk_attr': 'name', 'table_description': 'When a periodic task last ran, across every worker and host.'},
            bases=['Model'],
        ),
    ]
