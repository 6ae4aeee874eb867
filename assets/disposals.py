"""Disposal (报废/处置) as an approval workflow: a request lists assets with a reason and photos; approvals by value
(up to `QM_DISPOSAL_SINGLE_APPROVAL_MAX` yuan one, by a logistics officer of a unit above the requesting unit;
above it a second, by an administrator); a refusal with its reason changes nothing; the last approval retires every
asset through the ledger (`retire`, the request's number as the receipt number) in one transaction.

Local rules (the standards say nothing): the value is the assets' total acquisition price (原值); the requester
never approves their own request, nor one person both levels.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from quartermaster.context import current
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import ConflictError, DomainError, choice_label, unit_label

from . import access, bookvalue, ledger
from .choices import CustodyAction
from .labels import asset_label
from .models import (
    ApprovalLevel, Asset, DisposalApproval, DisposalItem, DisposalPhoto, DisposalRequest, DisposalStatus, OrgUnit,
)
from .services import asset_retire


def approvals_needed(total_price: Decimal) -> int:
    return 1 if total_price <= Decimal(str(settings.QM_DISPOSAL_SINGLE_APPROVAL_MAX)) else 2


def _next_number(on: dt.date) -> str:
    prefix = f"BF{on:%Y}-"
    last = DisposalRequest.objects.filter(number__startswith=prefix).order_by("-number").values_list(
        "number", flat=True).first()
    return f"{prefix}{int(last[len(prefix):]) + 1 if last else 1:04d}"


@transaction.atomic
def disposal_request(*, unit: OrgUnit, assets: list[Asset], reason: str, photos: list | None = None) -> DisposalRequest:
    """Files a request for `assets` (each of `unit`'s subtree, not issued, not retired, not in another open
    request)."""
    if not assets:
        raise DomainError(_("请至少列出一件要报废的装备"), field="assets")
    if not reason.strip():
        raise DomainError(_("请填写报废理由"), field="reason")
    seen = set()
    fresh = Asset.objects.select_for_update(of=("self",)).select_related("unit", "category").in_bulk(
        [a.pk for a in assets])
    assets = [fresh[a.pk] for a in assets]
    for asset in assets:
        if asset.pk in seen:
            raise DomainError(_("%(asset)s 重复列出"), field="assets", code="duplicate", asset=asset_label(asset))
        seen.add(asset.pk)
        if not asset.unit.path.startswith(unit.path):
            raise DomainError(_("%(asset)s 属于 %(owner)s，不属于 %(unit)s"), field="assets",
                              code="asset_outside_unit", asset=asset_label(asset), owner=unit_label(asset.unit),
                              unit=unit_label(unit))
        ledger.refuse_move(asset, CustodyAction.RETIRE)
    open_items = DisposalItem.objects.filter(asset__in=assets, request__status=DisposalStatus.PENDING)
    pending = open_items.select_related("asset", "request").first()
    if pending is not None:
        raise ConflictError(_("%(asset)s 已在报废申请 %(number)s 中"), field="assets", code="disposal_pending",
                            asset=asset_label(pending.asset), number=pending.request.number)
    today = timezone.localdate()
    values = [(a, a.price, bookvalue.net_book_value(a, today)) for a in assets]
    total = sum((Decimal(p) for _a, p, _v in values if p is not None), Decimal("0.00"))
    request = DisposalRequest.objects.create(
        number=_next_number(today), unit=unit, reason=reason.strip(), total_price=total,
        total_book_value=sum((v for _a, _p, v in values if v is not None), Decimal("0.00")),
        approvals_needed=approvals_needed(total), requested_by=current().username)
    DisposalItem.objects.bulk_create([DisposalItem(request=request, asset=a, price=p, book_value=v)
                                      for a, p, v in values])
    for photo in photos or []:
        DisposalPhoto.objects.create(request=request, image=photo)
    return request


def next_level(request: DisposalRequest) -> int | None:
    """The approval level the request waits for; None once decided."""
    if request.status != DisposalStatus.PENDING:
        return None
    done = set(request.approvals.values_list("level", flat=True))
    return next((level for level in (ApprovalLevel.UNIT, ApprovalLevel.ADMINISTRATOR)[:request.approvals_needed]
                 if level not in done), None)


def refuse_approver(request: DisposalRequest, user, level: int) -> None:
    """Raises unless `user` may give `level`'s approval of `request`."""
    role = access.user_role(user)
    if user.get_username() == request.requested_by:
        raise access.OutOfScope(_("%(number)s：申请人不能审批自己的申请"), number=request.number)
    if request.approvals.filter(username=user.get_username()).exists():
        raise access.OutOfScope(_("%(number)s：第二级审批须由另一人进行"), number=request.number)
    if level == ApprovalLevel.ADMINISTRATOR:
        if role != access.ADMIN:
            raise access.OutOfScope(_("%(number)s：超过 ¥%(limit)s 的第二级审批由系统管理员进行"),
                                    number=request.number, limit=f"{settings.QM_DISPOSAL_SINGLE_APPROVAL_MAX:,.0f}")
        return
    if role == access.ADMIN:
        return
    scope = access.scope_unit(user)
    above = scope is None or (request.unit.path.startswith(scope.path) and scope.pk != request.unit_id)
    if role != access.LOGISTICS or not above:
        raise access.OutOfScope(_("%(number)s：须由 %(unit)s 的上级单位的后勤装备管理员审批"),
                                number=request.number, unit=unit_label(request.unit))



@transaction.atomic
def disposal_approve(*, request: DisposalRequest, user, note: str = "") -> DisposalRequest:
    """Records the next approval; the last one retires every asset through the ledger."""
    request = DisposalRequest.objects.select_for_update().select_related("unit").get(pk=request.pk)
    level = next_level(request)
    if level is None:
        raise ConflictError(_("%(number)s 已是“%(status)s”，不能再审批"), field="request", code="disposal_decided",
                            number=request.number, status=choice_label(request.status, DisposalStatus))
    refuse_approver(request, user, level)
    DisposalApproval.objects.create(request=request, level=level, user=user, username=user.get_username(),
                                    note=note)
    if next_level(request) is None:
        for item in request.items.select_related("asset"):
            asset_retire(asset=item.asset, note=f"报废 {request.number}: {request.reason}"[:500],
                         receipt_no=request.number)
        request.status, request.decided_at = DisposalStatus.APPROVED, timezone.now()
        request.save(update_fields=["status", "decided_at"])
    return request


@transaction.atomic
def disposal_refuse(*, request: DisposalRequest, user, reason: str) -> DisposalRequest:
    """Refuses the request with its reason; the assets stay as they are."""
    request = DisposalRequest.objects.select_for_update().select_related("unit").get(pk=request.pk)
    level = next_level(request)
    if level is None:
        raise ConflictError(_("%(number)s 已是“%(status)s”，不能再审批"), field="request", code="disposal_decided",
                            number=request.number, status=choice_label(request.status, DisposalStatus))
    if not reason.strip():
        raise DomainError(_("请填写驳回理由"), field="reason")
    refuse_approver(request, user, level)
    request.status, request.decided_at, request.refusal_reason = DisposalStatus.REFUSED, timezone.now(), reason
    request.save(update_fields=["status", "decided_at", "refusal_reason"])
    return request


def approved_register(qs: QuerySet[DisposalRequest]) -> list[dict]:
    """The approved-disposals register (已批准报废登记簿): one row per disposed asset."""
    rows = []
    for request in qs.filter(status=DisposalStatus.APPROVED).prefetch_related(
            "items__asset__category", "approvals").select_related("unit").order_by("decided_at", "id"):
        approvers = "、".join(a.username for a in request.approvals.all())
        for item in request.items.all():
            asset = item.asset
            rows.append({"number": request.number, "unit": request.unit.code, "tag": asset.tag,
                         "category": asset.category_id, "item": asset.item, "finance_card_no": asset.finance_card_no,
                         "acquired": asset.acquired, "price": item.price, "book_value": item.book_value,
                         "reason": request.reason, "approved_by": approvers,
                         "decided_on": timezone.localdate(request.decided_at)})
    return rows


