from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('nodion', '0005_credential_change_notifications')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='AuditEvent',
            index=Index(fields=['project_id', 'action', 'id']),
        ),
        ops.AddIndex(
            model_name='ProjectMember',
            index=Index(fields=['user_id', 'project_id']),
        ),
    ]
