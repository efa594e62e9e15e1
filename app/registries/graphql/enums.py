"""The registries' GraphQL enums. `strawberry.enum` marks the Python enum itself
(it returns the class it is given), so each alias below is that class: a resolver
returns model values as they are. Annotations import the alias from here, which
also makes sure the enum was marked before the schema reads them."""

from typing import TypeAlias

import strawberry

from app.registries.models import RegistryType
from app.registries.statuses import ImageStatus, VerificationStatus

strawberry.enum(RegistryType, name="RegistryType")
strawberry.enum(VerificationStatus, name="VerificationStatus")
strawberry.enum(ImageStatus, name="ImageCheckStatus")

RegistryTypeEnum: TypeAlias = RegistryType
VerificationStatusEnum: TypeAlias = VerificationStatus
ImageStatusEnum: TypeAlias = ImageStatus
