from app.audit.graphql import AuditProjectFields
from app.domain import Domain

DOMAIN = Domain(name="audit", models="app.audit.models", project_fields=AuditProjectFields)
