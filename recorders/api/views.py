"""Endpoints of the recorders app: the shift counter (sign out, sign in, who has what now), recorder checks with the
maintenance-due list, the footage inspection register with its not-inspected report, and the footage rules: records
per dock report, requests to view, copy or delete with their approvals, and the access log."""
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assets import access
from assets.api.viewsets import ScopedCreateReadViewSet, ScopedReadOnlyViewSet, ScopedViewSet
from assets.models import Asset, OrgUnit

from .. import footage, selectors, services
from ..models import FootageAccessLog, FootageInspection, FootageRecord, FootageRequest, RecorderCheck
from . import serializers as s


def _form(view, serializer_class, data=None) -> dict:
    form = serializer_class(data=view.request.data if data is None else data, context={"request": view.request})
    form.is_valid(raise_exception=True)
    return form.validated_data


def _unit(request, code: str | None, *, required: bool = True) -> OrgUnit | None:
    if not code:
        if required:
            raise ValidationError({"unit": _("请填写单位编码（?unit=CZ-TN）")})
        return None
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationError({"unit": _("没有编码为 %(unit_code)s 的单位") % {"unit_code": code}})
    access.ensure(request.user, unit, access.VIEW, what="unit")
    return unit


def _movement(event) -> dict:
    return {"tag": event.asset.tag, "action": event.action, "person": event.person.staff_no if event.person else None,
            "person_name": event.person.name if event.person else None, "occurred_at": event.occurred_at}


class ShiftViewSet(ScopedViewSet):
    """Pooled kit per shift: GET lists what is out now (with whom, since when, overdue); POST …/sign-out/
    {person: card, tag} and …/sign-in/ {tag} are ledger movements (shift_out, shift_in)."""

    access_model = Asset

    @extend_schema(parameters=[s.ShiftQuerySerializer], responses=s.ShiftRowSerializer(many=True))
    def list(self, request):
        unit = _unit(request, _form(self, s.ShiftQuerySerializer, request.query_params).get("unit"), required=False)
        return Response(selectors.shifts_out(self.restrict(Asset.objects.all()), unit=unit))

    @extend_schema(request=s.ShiftSignOutSerializer, responses={201: s.ShiftMovementSerializer})
    @action(detail=False, methods=["post"], url_path="sign-out", url_name="sign-out")
    def sign_out(self, request):
        data = _form(self, s.ShiftSignOutSerializer)
        event = services.shift_sign_out(card=data["person"], tag=data["tag"], note=data["note"])
        return Response(s.ShiftMovementSerializer(_movement(event)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ShiftSignInSerializer, responses={201: s.ShiftMovementSerializer})
    @action(detail=False, methods=["post"], url_path="sign-in", url_name="sign-in")
    def sign_in(self, request):
        data = _form(self, s.ShiftSignInSerializer)
        event = services.shift_sign_in(tag=data["tag"], note=data["note"])
        return Response(s.ShiftMovementSerializer(_movement(event)).data, status=status.HTTP_201_CREATED)


class RecorderCheckViewSet(ScopedCreateReadViewSet):
    """维护保养 and 使用前检查 records; a fault sends the recorder to repair. GET …/maintenance-due/?unit=[&on=&days=]
    lists recorders whose last maintenance is older than the local period."""

    queryset = RecorderCheck.objects.select_related("asset", "performed_by")
    serializer_class = s.RecorderCheckSerializer
    filterset_fields = ["asset__tag", "kind", "result", "checked_on", "sent_to_repair"]

    def perform_create(self, serializer):
        serializer.instance = services.recorder_check_record(**serializer.validated_data)

    @extend_schema(parameters=[s.DueQuerySerializer], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], url_path="maintenance-due", url_name="maintenance-due",
            pagination_class=None, filter_backends=[])
    def maintenance_due(self, request):
        query = _form(self, s.DueQuerySerializer, request.query_params)
        unit = _unit(request, query["unit"])
        assets = access.restrict(Asset.objects.all(), request.user)
        return Response(selectors.maintenance_due(assets, unit=unit, on=query["on"], days=query["days"]))


class FootageInspectionViewSet(ScopedCreateReadViewSet):
    """The 检查台帐 (jiangsu 结案与案卷管理/2); GET …/due/?unit=[&on=&days=]: brigades not inspected within the local
    period (QM_FOOTAGE_INSPECTION_DAYS). Exports (XLSX, PDF, CSV) on the page /recorders/inspections/."""

    queryset = FootageInspection.objects.select_related("unit").prefetch_related("recorders")
    serializer_class = s.FootageInspectionSerializer
    filterset_fields = ["unit__code", "inspected_on"]

    def perform_create(self, serializer):
        serializer.instance = services.footage_inspection_record(**serializer.validated_data)

    @extend_schema(parameters=[s.DueQuerySerializer], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def due(self, request):
        query = _form(self, s.DueQuerySerializer, request.query_params)
        unit = _unit(request, query["unit"])
        return Response(selectors.inspections_due(self.get_queryset(), unit=unit, as_of=query["on"],
                                                  days=query["days"]))


class FootageRecordViewSet(ScopedReadOnlyViewSet):
    """执法音像资料: one record per dock offload report, with its retention class. POST …/{id}/classify/
    {recording_type} sets what it recorded; POST …/{id}/evidence/ {case_number} makes it permanent; GET
    …/due-for-deletion/?unit=&on= lists kept records whose retention is over."""

    queryset = FootageRecord.objects.select_related("asset", "unit", "person")
    serializer_class = s.FootageRecordSerializer
    filterset_fields = ["asset__tag", "unit__code", "person__staff_no", "recorded_on", "recording_type", "evidence",
                        "case_number", "status"]

    def _record(self, record):
        return Response(s.FootageRecordSerializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(request=s.FootageClassifySerializer, responses={200: s.FootageRecordSerializer})
    @action(detail=True, methods=["post"])
    def classify(self, request, pk=None):
        data = _form(self, s.FootageClassifySerializer)
        return self._record(footage.footage_classify(record=self.get_object(), **data))

    @extend_schema(request=s.FootageEvidenceSerializer, responses={200: s.FootageRecordSerializer})
    @action(detail=True, methods=["post"])
    def evidence(self, request, pk=None):
        data = _form(self, s.FootageEvidenceSerializer)
        return self._record(footage.footage_mark_evidence(record=self.get_object(), **data))

    @extend_schema(parameters=[s.FootageDueQuerySerializer], responses=s.FootageRecordSerializer(many=True))
    @action(detail=False, methods=["get"], url_path="due-for-deletion", url_name="due-for-deletion")
    def due_for_deletion(self, request):
        query = _form(self, s.FootageDueQuerySerializer, request.query_params)
        records = self.get_queryset()
        unit = _unit(request, query.get("unit"), required=False)
        if unit is not None:
            records = records.filter(unit__path__startswith=unit.path)
        page = self.paginate_queryset(footage.due_for_deletion(records, on=query["on"]))
        return self.get_paginated_response(s.FootageRecordSerializer(page, many=True).data)


class FootageRequestViewSet(ScopedCreateReadViewSet):
    """Requests to view, copy or delete footage: POST {record, kind, reason}; POST …/{id}/approve/ {note} by a second
    person (view, copy: an auditor or administrator; delete: an administrator — approving deletes);
    POST …/{id}/refuse/ {reason}; POST …/{id}/use/ {note}: the requester records the approved viewing or copying."""

    queryset = FootageRequest.objects.select_related("record__asset")
    serializer_class = s.FootageRequestSerializer
    filterset_fields = ["record", "record__asset__tag", "kind", "status", "requested_by", "decided_by"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = footage.footage_request(record=data["record"], kind=data["kind"],
                                                      reason=data["reason"], user=self.request.user)

    def _decided(self, row):
        return Response(s.FootageRequestSerializer(self.get_queryset().get(pk=row.pk)).data)

    @extend_schema(request=s.FootageDecisionSerializer, responses={200: s.FootageRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = _form(self, s.FootageDecisionSerializer)
        return self._decided(footage.footage_approve(request=self.get_object(), user=request.user, note=data["note"]))

    @extend_schema(request=s.FootageRefuseSerializer, responses={200: s.FootageRequestSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        data = _form(self, s.FootageRefuseSerializer)
        return self._decided(footage.footage_refuse(request=self.get_object(), user=request.user,
                                                    reason=data["reason"]))

    @extend_schema(request=s.FootageDecisionSerializer, responses={200: s.FootageRequestSerializer})
    @action(detail=True, methods=["post"])
    def use(self, request, pk=None):
        data = _form(self, s.FootageDecisionSerializer)
        return self._decided(footage.footage_access(request=self.get_object(), user=request.user, note=data["note"]))


class FootageAccessLogViewSet(ScopedReadOnlyViewSet):
    """The footage access log (append-only): stored, classified, evidence, requested, approved, refused, viewed,
    copied, deleted — who and when. The auditors' report (XLSX, PDF) is on the page /recorders/footage/log/."""

    queryset = FootageAccessLog.objects.select_related("record__asset", "record__unit")
    serializer_class = s.FootageAccessLogSerializer
    filterset_fields = ["record", "record__asset__tag", "record__unit__code", "request", "action", "username"]
