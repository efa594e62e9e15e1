import strawberry

from app.registries.models import RegistryType
from app.registries.statuses import ImageStatus, VerificationStatus

RegistryTypeEnum = strawberry.enum(RegistryType, name="RegistryType")
VerificationStatusEnum = strawberry.enum(VerificationStatus, name="VerificationStatus")
ImageStatusEnum = strawberry.enum(ImageStatus, name="ImageCheckStatus")
