"""Maps domain errors to 4xx responses with a clear message; everything else falls to DRF's handler."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from quartermaster.errors import DomainError


def exception_handler(exc, context):
    request = context.get("request")
    if request is not None and getattr(request, "accepted_renderer", None) is not None \
            and request.accepted_renderer.media_type != "application/json":
        # A route that also answers a file (?format=csv, a PDF) still refuses in JSON, and says so in its header.
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(detail, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, (ProtectedError, RestrictedError)):
        objs = exc.protected_objects if isinstance(exc, ProtectedError) else exc.restricted_objects
        blockers = sorted({str(obj._meta.verbose_name) for obj in objs})
        return Response({"detail": _("仍被%(blockers)s引用，不能删除") % {
            "blockers": pgettext("list separator", "、").join(blockers)},
                         "code": "protected"}, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, IntegrityError):
        return Response(_integrity(exc), status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DataError):  # a NUL character, a number or text the column cannot hold: the input's fault
        cause = exc.__cause__ or exc
        return Response({"detail": _("数据库无法保存的值：%(cause)s") % {"cause": str(cause).strip()},
                         "code": "invalid"},
                        status=status.HTTP_400_BAD_REQUEST)
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, list):
        # ValidationError("…") or ValidationError([...]) renders as a bare list; every error body is an object.
        response.data = {"detail": " ".join(str(m) for m in response.data), "code": "invalid"}
    return response


def _integrity(exc: IntegrityError) -> dict:
    """A constraint the database enforced although the service's own check passed: two requests writing the same
    tag (plate, staff number…) at once both pass the check, and the second insert meets the unique index."""
    cause = exc.__cause__
    sqlstate = getattr(cause, "sqlstate", None)
    detail = getattr(getattr(cause, "diag", None), "message_detail", None) or str(cause or exc).strip()
    if sqlstate == "23505" or "UNIQUE" in str(exc).upper():
        return {"detail": _("已存在（另一个请求同时写入）：%(detail)s") % {"detail": detail}, "code": "duplicate"}
    return {"detail": _("数据库约束拒绝了这次变更：%(detail)s") % {"detail": detail}, "code": "conflict"}
