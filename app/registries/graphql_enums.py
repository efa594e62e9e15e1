import strawberry

from app.registries.models import RegistryType

RegistryTypeEnum = strawberry.enum(RegistryType, name="RegistryType")
