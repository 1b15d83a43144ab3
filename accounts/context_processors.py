from accounts.roles import Perm
from accounts.selectors import invitation_list_for_user
from accounts.tenancy import page_membership, user_memberships


def current_company(request):
    """The header's company switcher, the permissions the menus are drawn from and how many
    invitations wait for the user's answer."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    membership = page_membership(request)
    return {
        "current_membership": membership,
        "my_memberships": user_memberships(request),
        "company_perms": {perm.value for perm in Perm if membership and membership.allows(perm)},
        "open_invitation_count": invitation_list_for_user(user=request.user).count(),
    }
