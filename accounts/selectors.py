from django.db.models import QuerySet, Value
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone
from knox.models import AuthToken

from accounts.models import NAME_KEY, Company, Invitation, Membership, MembershipEvent, User
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


def company_name_taken(*, name: str, other_than: Company | None = None) -> bool:
    """Whether another company has this name, whatever its case and spacing."""
    key = Lower(Value("".join(name.split())))
    others = Company.objects.alias(name_key=NAME_KEY).filter(name_key=key)
    if other_than is not None and other_than.pk:
        others = others.exclude(pk=other_than.pk)
    return others.exists()


def invitation_list_for_user(*, user: User) -> QuerySet[Invitation]:
    """The user's open invitations; an expired one is as good as gone."""
    return (
        Invitation.objects.filter(user=user, expires_at__gt=timezone.now())
        .select_related("company", "invited_by")
        .order_by("-created_at", "-pk")
    )


def invitation_get_for_user(*, user: User, invitation_id: int) -> Invitation:
    return get_object_or_404(invitation_list_for_user(user=user), pk=invitation_id)


def invitation_list(*, company: Company) -> QuerySet[Invitation]:
    """The company's open invitations, for its admins."""
    return (
        Invitation.objects.of(company)
        .filter(expires_at__gt=timezone.now())
        .select_related("user", "invited_by")
        .order_by("user__username")
    )


def membership_event_list(*, company: Company) -> QuerySet[MembershipEvent]:
    return MembershipEvent.objects.of(company)


def user_get_by_username(*, username: str) -> User | None:
    return User.objects.filter(username=username).first()


def token_list(*, user: User) -> QuerySet[AuthToken]:
    return AuthToken.objects.filter(user=user).select_related("info", "info__company").order_by("-created")
