"""The bell in the top bar: the signed-in user's unread in-app messages (a template context processor)."""
from .models import Notification


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notify_unread": Notification.objects.filter(user=user, read_at__isnull=True).count()}
