from tortoise import migrations
from tortoise.migrations import operations as ops
from app.registries.models import VerificationStatus
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('nodion', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuditEvent',
            name='detail',
            field=fields.CharField(null=True, max_length=64),
        ),
        ops.AddField(
            model_name='Registry',
            name='ca_certificate',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Registry',
            name='last_verified_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Registry',
            name='verification_message',
            field=fields.CharField(null=True, max_length=500),
        ),
        ops.AddField(
            model_name='Registry',
            name='verification_status',
            field=fields.CharEnumField(null=True, description='OK: OK\nUNAUTHORIZED: UNAUTHORIZED\nNOT_A_REGISTRY: NOT_A_REGISTRY\nUNREACHABLE: UNREACHABLE\nTLS_ERROR: TLS_ERROR\nTIMEOUT: TIMEOUT\nBLOCKED: BLOCKED\nNOT_VERIFIED: NOT_VERIFIED', enum_type=VerificationStatus, max_length=16),
        ),
    ]
