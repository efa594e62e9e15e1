from tortoise import migrations
from tortoise.migrations import operations as ops
from app.applications.models import DeploymentStatus, Strategy
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('nodion', '0002_verification')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Application',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('project', fields.ForeignKeyField('nodion.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=63)),
                ('region', fields.CharField(max_length=63)),
                ('strategy', fields.CharEnumField(description='DOCKERFILE: DOCKERFILE\nBUILDPACKS: BUILDPACKS\nPREBUILT_IMAGE: PREBUILT_IMAGE', enum_type=Strategy, max_length=16)),
                ('registry', fields.ForeignKeyField('nodion.Registry', source_field='registry_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT)),
                ('image', fields.CharField(max_length=255)),
                ('tag', fields.CharField(null=True, max_length=128)),
                ('digest', fields.CharField(null=True, max_length=100)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'applications', 'app': 'nodion', 'unique_together': (('project', 'name'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DeployTarget',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=63)),
                ('region', fields.CharField(max_length=63)),
                ('token_digest', fields.CharField(unique=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_seen_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deploy_targets', 'app': 'nodion', 'pk_attr': 'id', 'table_description': 'A machine that pulls and runs images in one region, signed in with its own token.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Deployment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('application', fields.ForeignKeyField('nodion.Application', source_field='application_id', db_constraint=True, to_field='id', related_name='deployments', on_delete=OnDelete.CASCADE)),
                ('project_id', fields.IntField()),
                ('region', fields.CharField(max_length=63)),
                ('strategy', fields.CharEnumField(description='DOCKERFILE: DOCKERFILE\nBUILDPACKS: BUILDPACKS\nPREBUILT_IMAGE: PREBUILT_IMAGE', enum_type=Strategy, max_length=16)),
                ('registry', fields.ForeignKeyField('nodion.Registry', source_field='registry_id', null=True, db_constraint=True, to_field='id', related_name='deployments', on_delete=OnDelete.SET_NULL)),
                ('image_reference', fields.CharField(max_length=600)),
                ('repository', fields.CharField(max_length=255)),
                ('status', fields.CharEnumField(default=DeploymentStatus.PENDING, description='PENDING: PENDING\nCLAIMED: CLAIMED\nSUCCEEDED: SUCCEEDED\nFAILED: FAILED', enum_type=DeploymentStatus, max_length=16)),
                ('message', fields.CharField(null=True, max_length=500)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('target', fields.ForeignKeyField('nodion.DeployTarget', source_field='target_id', null=True, db_constraint=True, to_field='id', related_name='deployments', on_delete=OnDelete.SET_NULL)),
                ('target_name', fields.CharField(null=True, max_length=63)),
                ('credential_digest', fields.CharField(null=True, unique=True, max_length=64)),
                ('credential_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'deployments', 'app': 'nodion', 'indexes': [Index(fields=['region', 'status', 'id']), Index(fields=['application_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
