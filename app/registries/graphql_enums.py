import strawberry

from app.registries.models import RegistryType, VerificationStatus
from app.registries.v2_client import ImageStatus

RegistryTypeEnum = strawberry.enum(RegistryType, name="RegistryType")
VerificationStatusEnum = strawberry.enum(VerificationStatus, name="VerificationStatus")
ImageStatusEnum = strawberry.enum(ImageStatus, name="ImageCheckStatus")
