from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter

from accounts.tenancy import COMPANY_HEADER, CompanyMember

COMPANY_PARAMETER = OpenApiParameter(
    COMPANY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="The company's taxpayer ID (统一社会信用代码). Optional when you belong to one company.",
)


class CompanyAutoSchema(AutoSchema):
    """Documents the X-Company header on every operation that acts for a company."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if any(issubclass(cls, CompanyMember) for cls in self.view.permission_classes):
            parameters = [*parameters, COMPANY_PARAMETER]
        return parameters
