from app.audit.graphql import AuditProjectFields
from app.audit.retention import AUDIT_PRUNING
from app.audit.settings import AuditSettings
from app.domain import Domain

DOMAIN = Domain(
    name="audit",
    models="app.audit.models",
    project_fields=AuditProjectFields,
    periodic=[AUDIT_PRUNING],
    settings=AuditSettings,
    admin_commands={
        "prune-audit": "app.cli.prune_audit:prune_audit_command",
        "audit": "app.cli.admin_audit:audit_command",
    },
)
