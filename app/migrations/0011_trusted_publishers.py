# Trusted publishers (issue 20): the CI identities of a Nodion registry, the
# push credentials the OIDC exchange mints for them, and the `jti` of every
# exchanged token until its `exp` (shared by every worker, so a replay is refused).
from tortoise import migrations
from tortoise.migrations import operations as ops
from app.registries.models import PublisherProvider
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('nodion', '0010_project_lifecycle')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ExchangedJti',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('issuer', fields.CharField(max_length=500)),
                ('jti', fields.CharField(max_length=255)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'exchanged_jtis', 'app': 'nodion', 'unique_together': (('issuer', 'jti'),), 'pk_attr': 'id', 'table_description': "The `jti` of every OIDC token exchanged, kept until the token's `exp`: a"},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrustedPublisher',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('registry', fields.ForeignKeyField('nodion.Registry', source_field='registry_id', db_constraint=True, to_field='id', related_name='trusted_publishers', on_delete=OnDelete.CASCADE)),
                ('project', fields.ForeignKeyField('nodion.Project', source_field='project_id', db_constraint=True, to_field='id', related_name='trusted_publishers', on_delete=OnDelete.CASCADE)),
                ('provider', fields.CharEnumField(description='GITHUB_ACTIONS: GITHUB_ACTIONS\nGITLAB: GITLAB\nCUSTOM_OIDC: CUSTOM_OIDC', enum_type=PublisherProvider, max_length=16)),
                ('issuer', fields.CharField(max_length=500)),
                ('audience', fields.CharField(max_length=261)),
                ('ca_certificate', fields.TextField(null=True, unique=False)),
                ('conditions', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('repositories', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('created_by', fields.CharField(null=True, max_length=254)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'trusted_publishers', 'app': 'nodion', 'indexes': [Index(fields=['registry_id', 'issuer'])], 'pk_attr': 'id', 'table_description': 'A CI identity allowed to push to a Nodion registry without a stored'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PublisherCredential',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('publisher', fields.ForeignKeyField('nodion.TrustedPublisher', source_field='publisher_id', db_constraint=True, to_field='id', related_name='credentials', on_delete=OnDelete.CASCADE)),
                ('digest', fields.CharField(unique=True, max_length=64)),
                ('username', fields.CharField(max_length=100)),
                ('expires_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'publisher_credentials', 'app': 'nodion', 'pk_attr': 'id', 'table_description': 'A push credential minted by the OIDC exchange: its keyed digest, until'},
            bases=['Model'],
        ),
    ]
