from rest_framework import serializers

from accounts.models import MAX_SYNC_LAG_DAYS, Company, Membership, User
from accounts.roles import Role
from accounts.selectors import membership_list_for_user
from accounts.tin import tin_message


class CompanySerializer(serializers.ModelSerializer):
    tin_status = serializers.SerializerMethodField(help_text="uscc, uscc_bad_check or legacy")
    tin_warning = serializers.SerializerMethodField()

    class Meta:
        model = Company
        fields = ["name", "tin", "tin_status", "tin_warning", "sync_lag_days", "auto_confirm_capture"]

    def get_tin_status(self, company: Company) -> str:
        return company.tin_check.kind.value

    def get_tin_warning(self, company: Company) -> str | None:
        message = tin_message(company.tin_check)
        return str(message) if message else None


class CompanyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    tin = serializers.CharField(max_length=40, required=False)
    sync_lag_days = serializers.IntegerField(min_value=0, max_value=MAX_SYNC_LAG_DAYS, required=False)
    auto_confirm_capture = serializers.BooleanField(required=False)
    accept_tin_warning = serializers.BooleanField(
        default=False, help_text="Accept a taxpayer ID whose check character fails (early pilot codes)."
    )


class MyCompanySerializer(serializers.ModelSerializer):
    """One of the user's companies, with the user's role in it."""

    company = CompanySerializer()

    class Meta:
        model = Membership
        fields = ["company", "role"]


class MeSerializer(serializers.ModelSerializer):
    companies = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "email", "first_name", "last_name", "companies"]

    def get_companies(self, user: User) -> list[dict]:
        """The memberships the request may act in (`memberships` in the context), else all."""
        memberships = self.context.get("memberships")
        if memberships is None:
            memberships = membership_list_for_user(user=user)
        return MyCompanySerializer(memberships, many=True, context=self.context).data


class MemberSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    email = serializers.CharField(source="user.email", help_text="Blank when none was given.")
    name = serializers.CharField(source="user.get_full_name")

    class Meta:
        model = Membership
        fields = ["id", "username", "email", "name", "role", "created_at"]


class MemberInviteSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Role.choices)
    email = serializers.EmailField(
        required=False, default="", help_text="E-mail of a new account; an existing account keeps its own."
    )
    password = serializers.CharField(
        write_only=True,
        style={"input_type": "password"},
        help_text="Initial password, used only if no account has this username yet.",
    )


class MemberInvitedSerializer(serializers.Serializer):
    """The same answer whether the username had an account or not."""

    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    expires_at = serializers.DateTimeField()
    detail = serializers.CharField()


class MemberRoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)
