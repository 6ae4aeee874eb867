"""Endpoints of the logistics workflows: declarations plus actions, each action one call to uniforms.services."""
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from assets import access
from assets.api.viewsets import ScopedCreateReadViewSet, ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSet
from assets.labels import joined
from assets.models import Asset, OrgUnit

from .. import pdf, selectors, services
from ..reports import inventory_xlsx_response
from ..models import (
    AnnualInventory, BadgeNumberRecord, CertificateLossReport, Departure, Entitlement, HandoverReceipt, IssueRound, OfficerSize,
    SealHandover, SealUsage, Stocktake, StoragePlace,
)
from . import serializers as s

def _form(view, serializer_class, data=None) -> dict:
    form = serializer_class(data=view.request.data if data is None else data, context={"request": view.request})
    form.is_valid(raise_exception=True)
    return form.validated_data


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _unit_param(request) -> OrgUnit:
    code = request.query_params.get("unit")
    if not code:
        raise ValidationError({"unit": _("请填写单位编码（?unit=CZ-TN）")})
    unit = OrgUnit.objects.filter(code=code).first()
    if unit is None:
        raise ValidationError({"unit": _("没有编码为 %(unit_code)s 的单位") % {"unit_code": code}})
    access.ensure(request.user, unit, access.VIEW, what="unit")
    return unit


class EntitlementViewSet(ScopedModelViewSet):
    """Uniform entitlement table (quantity, service years, season per item type); writes go through the service."""

    queryset = Entitlement.objects.select_related("item_type")
    serializer_class = s.EntitlementSerializer
    filterset_fields = ["season", "active"]

    def perform_create(self, serializer):
        serializer.instance = services.entitlement_set(**serializer.validated_data)

    def perform_update(self, serializer):
        data = {"quantity": serializer.instance.quantity, "service_years": serializer.instance.service_years,
                "season": serializer.instance.season, "active": serializer.instance.active,
                "item_type": serializer.instance.item_type, **serializer.validated_data}
        serializer.instance = services.entitlement_set(**data)


class OfficerSizeViewSet(ScopedModelViewSet):
    """Officers' sizes per uniform item type (create = set; an empty size removes it)."""

    queryset = OfficerSize.objects.select_related("person", "item_type")
    serializer_class = s.OfficerSizeSerializer
    filterset_fields = ["person__staff_no", "item_type__code"]

    def create(self, request, *args, **kwargs):
        data = _form(self, s.OfficerSizeSerializer)
        record = services.officer_size_set(**data)
        if record is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(s.OfficerSizeSerializer(record).data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer):
        data = {"person": serializer.instance.person, "item_type": serializer.instance.item_type,
                **serializer.validated_data}
        serializer.instance = services.officer_size_set(**data)


class IssueRoundViewSet(ScopedCreateReadViewSet):
    """Seasonal issue rounds: POST {unit, season[, stock_unit, retire_replaced]} runs one round in one transaction."""

    queryset = IssueRound.objects.select_related("unit", "receipt")
    serializer_class = s.IssueRoundSerializer
    filterset_fields = ["season"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.issue_round_run(**data)

    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def shortfall(self, request, pk=None):
        return Response(selectors.round_shortfall_summary(self.get_object()))


class ReplacementDueViewSet(ScopedViewSet):
    """GET ?unit=&start=&end=: uniform items falling due in the window, per unit and per item/size."""

    access_model = Asset

    @extend_schema(parameters=[s.ReplacementDueQuerySerializer], responses=OpenApiTypes.OBJECT)
    def list(self, request):
        query = _form(self, s.ReplacementDueQuerySerializer, request.query_params)
        return Response(selectors.replacement_due(**query))


class BadgeViewSet(ScopedReadOnlyViewSet):
    """胸号 history (number ↔ plate ↔ dates); actions issue a plate and report one lost (re-issue keeps the number)."""

    queryset = BadgeNumberRecord.objects.select_related("person", "asset")
    serializer_class = s.BadgeRecordSerializer
    filterset_fields = ["number", "person__staff_no"]

    @action(detail=False, methods=["post"])
    def issue(self, request):
        data = _form(self, s.BadgeIssueSerializer)
        record = services.badge_issue(**data)
        return Response(s.BadgeRecordSerializer(record).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"], url_path="report-lost", url_name="report-lost")
    def report_lost(self, request):
        data = _form(self, s.LossFormSerializer)
        record = services.badge_report_lost(**data)
        return Response(s.BadgeRecordSerializer(record).data, status=status.HTTP_201_CREATED)


class CertificateViewSet(ScopedViewSet):
    """执法证: expiry warnings (GET ?unit=[&on=]), issue, report lost (3-day rule), surrender to the 法制机构."""

    access_model = Asset

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def expiring(self, request):
        unit = _unit_param(request)
        on = _form(self, s.ExpiryQuerySerializer, request.query_params).get("on")
        return Response(selectors.certificate_expiry_warnings(unit=unit, on=on))

    @extend_schema(request=s.CertificateIssueSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def issue(self, request):
        data = _form(self, s.CertificateIssueSerializer)
        asset = services.certificate_issue(**data)
        return Response({"tag": asset.tag, "number": asset.serial}, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.LossFormSerializer, responses={201: s.CertificateLossSerializer})
    @action(detail=False, methods=["post"], url_path="report-lost", url_name="report-lost")
    def report_lost(self, request):
        data = _form(self, s.LossFormSerializer)
        data.pop("new_tag")
        report = services.certificate_report_lost(**data)
        return Response(s.CertificateLossSerializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SurrenderSerializer, responses={201: s.HandoverReceiptSerializer})
    @action(detail=False, methods=["post"])
    def surrender(self, request):
        data = _form(self, s.SurrenderSerializer)
        receipt = services.certificate_surrender(**data)
        return Response(s.HandoverReceiptSerializer(receipt).data, status=status.HTTP_201_CREATED)


class CertificateLossViewSet(ScopedReadOnlyViewSet):
    """Certificate loss reports (`reported_late` when reported > 3 days after the loss); POST …/replace/."""

    queryset = CertificateLossReport.objects.select_related("person", "asset", "replacement")
    serializer_class = s.CertificateLossSerializer
    filterset_fields = ["reported_late", "person__staff_no"]

    @action(detail=True, methods=["post"])
    def replace(self, request, pk=None):
        data = _form(self, s.CertificateReplaceSerializer)
        report = services.certificate_replace(report=self.get_object(), **data)
        return Response(s.CertificateLossSerializer(report).data)


class SealHandoverViewSet(ScopedCreateReadViewSet):
    """Seal hand-overs: POST {seal, outgoing, incoming} = return + issue under one receipt."""

    queryset = SealHandover.objects.select_related("seal", "outgoing", "incoming", "receipt")
    serializer_class = s.SealHandoverSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.seal_handover(**data)

    @action(detail=False, methods=["get"])
    def custodians(self, request):
        return Response(selectors.seal_custodians(unit=_unit_param(request)))


class SealUsageViewSet(ScopedCreateReadViewSet):
    queryset = SealUsage.objects.select_related("seal", "used_by", "custodian")
    serializer_class = s.SealUsageSerializer
    filterset_fields = ["seal__tag"]

    def perform_create(self, serializer):
        serializer.instance = services.seal_usage_log(**serializer.validated_data)


class DepartureViewSet(ScopedCreateReadViewSet):
    """POST {person, kind transferred|retired} marks the departure and opens the return checklist."""

    queryset = Departure.objects.select_related("person__unit")
    serializer_class = s.DepartureSerializer
    filterset_fields = ["kind", "closed_out"]

    def perform_create(self, serializer):
        serializer.instance = services.person_depart(**serializer.validated_data)

    @extend_schema(responses=s.DepartureChecklistLineSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def checklist(self, request, pk=None):
        return Response(selectors.departure_checklist(self.get_object()))

    @action(detail=True, methods=["post"], url_path="close-out", url_name="close-out")
    def close_out(self, request, pk=None):
        departure = services.departure_close_out(departure=self.get_object())
        return Response(s.DepartureSerializer(departure).data)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="pdf", url_name="pdf")
    def pdf(self, request, pk=None):
        departure = self.get_object()
        return _pdf(pdf.departure_checklist_pdf(departure), f"checklist-{departure.person.staff_no}.pdf")


class HandoverViewSet(ScopedViewSet):
    """Scan-first bulk issue/return: check one tag at once; commit all tags in one transaction (all-or-nothing)."""

    access_model = Asset

    @extend_schema(request=s.HandoverCheckSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"])
    def check(self, request):
        data = _form(self, s.HandoverCheckSerializer)
        return Response(services.handover_check(**data))

    @extend_schema(request=s.HandoverCommitSerializer, responses={201: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def commit(self, request):
        data = _form(self, s.HandoverCommitSerializer)
        receipt = services.handover_commit(**data)
        return Response({**s.HandoverReceiptSerializer(receipt).data, "lines": selectors.receipt_lines(receipt),
                         "pdf": f"/api/v1/receipts/{receipt.number}/pdf/"}, status=status.HTTP_201_CREATED)


class HandoverReceiptViewSet(ScopedReadOnlyViewSet):
    """Hand-over receipts by number, with their ledger lines and the printable 交接单 (…/pdf/)."""

    queryset = HandoverReceipt.objects.select_related("person", "unit", "counterpart")
    serializer_class = s.HandoverReceiptSerializer
    lookup_field = "number"
    filterset_fields = ["kind"]

    def retrieve(self, request, *args, **kwargs):
        receipt = self.get_object()
        return Response({**self.get_serializer(receipt).data, "lines": selectors.receipt_lines(receipt)})

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="pdf", url_name="pdf")
    def pdf(self, request, number=None):
        receipt = self.get_object()
        return _pdf(pdf.receipt_pdf(receipt), f"{receipt.number}.pdf")


class LabelViewSet(ScopedViewSet):
    """GET ?tags=A,B or ?unit=CZ-TN[&category=uniform]: A4 sheets of QR labels (3×8 by default) as PDF."""

    access_model = Asset

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    def list(self, request):
        tags = [t for t in request.query_params.get("tags", "").split(",") if t.strip()]
        qs = access.restrict(Asset.objects.select_related("category", "unit"), request.user)
        if tags:
            found = {a.tag: a for a in qs.filter(tag__in=tags)}
            unknown = [t for t in tags if t not in found]
            if unknown:
                raise ValidationError({"tags": _("未知标签或不在管辖范围内：%(tags)s") % {"tags": joined(unknown)}})
            assets = [found[t] for t in tags]
        else:
            unit = _unit_param(request)
            qs = qs.filter(unit__path__startswith=unit.path)
            if request.query_params.get("category"):
                qs = qs.filter(category_id=request.query_params["category"])
            assets = list(qs.order_by("tag"))
        sheet = _form(self, s.LabelSheetSerializer, request.query_params)
        return _pdf(pdf.labels_pdf(assets, columns=sheet["columns"], rows=sheet["rows"]), "labels.pdf")


class StoragePlaceViewSet(ScopedCreateReadViewSet):
    queryset = StoragePlace.objects.select_related("unit")
    serializer_class = s.StoragePlaceSerializer

    def perform_create(self, serializer):
        serializer.instance = services.storage_place_create(**serializer.validated_data)

    @action(detail=False, methods=["post"], url_path="assign", url_name="assign")
    def assign(self, request):
        data = _form(self, s.AssetPlaceSerializer)
        record = services.asset_place_set(**data)
        return Response({"asset": record.asset.tag, "place": record.place.code})


class StocktakeViewSet(ScopedCreateReadViewSet):
    """盘点: POST {unit[, place]} starts; POST …/scan/ {tag}; GET …/result/; POST …/close/ freezes the result."""

    queryset = Stocktake.objects.select_related("unit", "place")
    serializer_class = s.StocktakeSerializer

    def perform_create(self, serializer):
        serializer.instance = services.stocktake_start(**serializer.validated_data)

    @action(detail=True, methods=["post"])
    def scan(self, request, pk=None):
        stocktake = self.get_object()
        tag = _form(self, s.StocktakeScanSerializer)["tag"]
        scan = services.stocktake_scan(stocktake=stocktake, tag=tag)
        return Response({**s.StocktakeScanSerializer(scan).data,
                         "finding": selectors.stocktake_classify(stocktake, scan.tag)},
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        stocktake = self.get_object()
        return Response(stocktake.result or selectors.stocktake_result(stocktake))

    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        stocktake = services.stocktake_close(stocktake=self.get_object())
        return Response(s.StocktakeSerializer(stocktake).data)



class AnnualInventoryViewSet(ScopedCreateReadViewSet):
    """年度清查盘点: POST {unit, year} plans one stocktake per unit of the subtree that owns assets (scan and close
    them through /stocktakes/); GET …/report/ gives coverage and differences with book value (`?export=xlsx`)."""

    queryset = AnnualInventory.objects.select_related("unit").prefetch_related("stocktakes__unit")
    serializer_class = s.AnnualInventorySerializer
    filterset_fields = ["year", "unit__code"]

    def perform_create(self, serializer):
        serializer.instance = services.annual_inventory_plan(**serializer.validated_data)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        report = selectors.annual_inventory_report(self.get_object())
        if request.query_params.get("export") == "xlsx":
            return inventory_xlsx_response(report)
        return Response(report)
