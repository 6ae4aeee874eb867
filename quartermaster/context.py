"""Who is changing things and from where, carried in a context variable across API, admin, CLI and ingest."""
from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ChangeContext:
    user_id: int | None = None
    username: str = ""
    source: str = "system"  # api, admin, web, import, cli, ingest, system
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    # The user object itself, for the scope checks of assets.access (None outside a signed-in request).
    user: object = field(default=None, compare=False, repr=False)


_current: contextvars.ContextVar[ChangeContext] = contextvars.ContextVar("qm_change_context", default=ChangeContext())


def current() -> ChangeContext:
    return _current.get()


@contextmanager
def change_context(*, user=None, source: str, username: str = ""):
    """Runs the enclosed block as `user` acting through `source`."""
    ctx = ChangeContext(
        user_id=getattr(user, "pk", None),
        username=username or getattr(user, "username", "") or "",
        source=source,
        user=user if getattr(user, "is_authenticated", False) else None,
    )
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


class ChangeContextMiddleware:
    """Sets the change context for every HTTP request: source `api` under /api/, `admin` under /admin/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        source = "api" if path.startswith("/api/") else "admin" if path.startswith("/admin/") else "web"
        user = request.user if getattr(request, "user", None) and request.user.is_authenticated else None
        with change_context(user=user, source=source):
            return self.get_response(request)


def set_user(user) -> None:
    """Attaches an authenticated user to the current context (DRF authenticates after the middleware)."""
    ctx = _current.get()
    _current.set(ChangeContext(user_id=user.pk, username=user.get_username(), source=ctx.source,
                               request_id=ctx.request_id, user=user))
