from accounts.tenancy import user_memberships
from monitor.alerts import unread_count


def alert_bell(request):
    """The number on the bell in the header: alerts new since the user last opened the list."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_alerts": unread_count(user, user_memberships(request))}
