from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from knox.models import AuthToken

from accounts.models import Company, Membership, User
from accounts.roles import Role


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("company")
        .order_by("company__name", "company__id")
    )


def member_list(*, company: Company) -> QuerySet[Membership]:
    return Membership.objects.of(company).select_related("user").order_by("user__username")


def member_get(*, company: Company, membership_id: int) -> Membership:
    return get_object_or_404(member_list(company=company), pk=membership_id)


def admin_count(*, company: Company) -> int:
    return Membership.objects.of(company).filter(role=Role.ADMIN).count()


def company_get_by_tin(*, tin: str) -> Company | None:
    return Company.objects.filter(tin=tin).first()


def user_get_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()


def token_list(*, user: User) -> QuerySet[AuthToken]:
    return AuthToken.objects.filter(user=user).select_related("info").order_by("-created")
