from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.roles import Perm
from accounts.serializers import (
    CompanySerializer,
    CompanyUpdateSerializer,
    MemberInvitedSerializer,
    MemberInviteSerializer,
    MemberRoleSerializer,
    MemberSerializer,
    MeSerializer,
    MyCompanySerializer,
)
from accounts.tenancy import CompanyMember, token_company_id, user_memberships


class CompanyAPIView(APIView):
    """Base of every API view that acts for one company (resolved by CompanyMember)."""

    permission_classes = [IsAuthenticated, CompanyMember]
    required_perms: dict[str, Perm] = {}


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="The signed-in user and their companies")
    def get(self, request):
        context = {"memberships": user_memberships(request)}
        return Response(MeSerializer(request.user, context=context).data)


class MyCompanyListView(ListAPIView):
    serializer_class = MyCompanySerializer

    def get_queryset(self):
        memberships = selectors.membership_list_for_user(user=self.request.user)
        scope = token_company_id(self.request)
        return memberships if scope is None else memberships.filter(company_id=scope)


class CurrentCompanyView(CompanyAPIView):
    required_perms = {"PATCH": Perm.COMPANY_SETTINGS}

    @extend_schema(responses=CompanySerializer, summary="The company named by X-Company")
    def get(self, request):
        return Response(CompanySerializer(request.company).data)

    @extend_schema(
        request=CompanyUpdateSerializer, responses=CompanySerializer, summary="Change company settings"
    )
    def patch(self, request):
        payload = CompanyUpdateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        company = services.company_update(company=request.company, by=request.user, **payload.validated_data)
        return Response(CompanySerializer(company).data)


class MemberListView(CompanyAPIView):
    required_perms = {"GET": Perm.MEMBERS_MANAGE, "POST": Perm.MEMBERS_MANAGE}

    @extend_schema(responses=MemberSerializer(many=True), summary="The company's members")
    def get(self, request):
        members = selectors.member_list(company=request.company)
        return Response(MemberSerializer(members, many=True).data)

    @extend_schema(
        request=MemberInviteSerializer,
        responses={202: MemberInvitedSerializer},
        summary="Invite a user to a role (the account is created when no account has the username)",
        description="The user becomes a member only by accepting. The answer reads the same whether "
        "the username had an account or not.",
    )
    def post(self, request):
        payload = MemberInviteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        invited = services.member_invite(company=request.company, by=request.user, **payload.validated_data)
        body = {
            "username": invited.username,
            "role": invited.role,
            "expires_at": invited.expires_at,
            "detail": invited.message(),
        }
        return Response(MemberInvitedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class MemberDetailView(CompanyAPIView):
    required_perms = {
        "GET": Perm.MEMBERS_MANAGE,
        "PATCH": Perm.MEMBERS_MANAGE,
        "DELETE": Perm.MEMBERS_MANAGE,
    }

    @extend_schema(responses=MemberSerializer, summary="One member")
    def get(self, request, membership_id: int):
        membership = selectors.member_get(company=request.company, membership_id=membership_id)
        return Response(MemberSerializer(membership).data)

    @extend_schema(request=MemberRoleSerializer, responses=MemberSerializer, summary="Change a role")
    def patch(self, request, membership_id: int):
        membership = selectors.member_get(company=request.company, membership_id=membership_id)
        payload = MemberRoleSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.member_set_role(membership=membership, role=payload.validated_data["role"], by=request.user)
        return Response(MemberSerializer(membership).data)

    @extend_schema(responses={204: None}, summary="Remove a member from the company")
    def delete(self, request, membership_id: int):
        membership = selectors.member_get(company=request.company, membership_id=membership_id)
        services.member_remove(membership=membership, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
