"""REST endpoints of compliance: the report for a unit, standard and date; saved reports (snapshots)."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from assets import access
from assets.api.viewsets import RestrictedViewMixin, ScopedCreateReadViewSet
from assets.models import OrgUnit

from . import services
from .models import ComplianceSnapshot


class ComplianceReportView(RestrictedViewMixin, APIView):
    """GET ?unit=CODE&standard=jiangsu|model&as_of=YYYY-MM-DD → SPEC's compliance JSON (every role may read)."""

    access_model = OrgUnit

    @extend_schema(parameters=[OpenApiParameter("unit", str, required=True, description="unit code"),
                               OpenApiParameter("standard", str, required=True, description="jiangsu or model"),
                               OpenApiParameter("as_of", OpenApiTypes.DATE, description="default today")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        unit = services.unit_by_code(request.query_params.get("unit"))
        access.ensure(request.user, unit, access.VIEW, what="unit")
        as_of = services.parse_as_of(request.query_params.get("as_of"))
        report = services.compliance_report(unit=unit, standard_id=request.query_params.get("standard") or "",
                                            as_of=as_of)
        return Response(report.data)


class ComplianceSnapshotSerializer(serializers.ModelSerializer):
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ComplianceSnapshot
        fields = ["id", "standard", "unit", "as_of", "created_at", "created_by_name", "report"]


class ComplianceSnapshotCreateSerializer(serializers.Serializer):
    unit = serializers.CharField(help_text=_("单位代码"))
    standard = serializers.CharField()
    as_of = serializers.DateField(required=False, allow_null=True)


class ComplianceSnapshotViewSet(ScopedCreateReadViewSet):
    """Saved reports: POST {unit, standard, as_of} evaluates and saves; GET returns the saved JSON unchanged."""

    queryset = ComplianceSnapshot.objects.select_related("unit").all()
    serializer_class = ComplianceSnapshotSerializer
    filterset_fields = ["standard", "as_of"]
    ordering_fields = ["created_at", "as_of"]

    def get_serializer_class(self):
        return ComplianceSnapshotCreateSerializer if self.action == "create" else ComplianceSnapshotSerializer

    def create(self, request, *args, **kwargs):
        payload = ComplianceSnapshotCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        unit = services.unit_by_code(payload.validated_data["unit"])
        access.ensure(request.user, unit, access.VIEW, what="unit")
        report = services.compliance_report(unit=unit, standard_id=payload.validated_data["standard"],
                                            as_of=services.parse_as_of(payload.validated_data.get("as_of")))
        snapshot = services.compliance_snapshot_save(report=report, unit=unit, user=request.user)
        return Response(ComplianceSnapshotSerializer(snapshot).data, status=201)


class ProcurementPlanView(RestrictedViewMixin, APIView):
    """GET ?unit=CODE&year=YYYY[&standard=jiangsu|model][&export=xlsx] → next year's purchase list per unit and item
    (uniform replacements and never-issued entitlements with sizes, compliance shortfalls), with estimated cost."""

    access_model = OrgUnit

    @extend_schema(parameters=[OpenApiParameter("unit", str, required=True, description="unit code"),
                               OpenApiParameter("year", int, required=True, description="the plan's year"),
                               OpenApiParameter("standard", str, description="jiangsu (default) or model"),
                               OpenApiParameter("export", str, description="xlsx for the spreadsheet")],
                   responses=OpenApiTypes.OBJECT)
    def get(self, request):
        from assets.reports import xlsx, xlsx_response

        from .procurement import parse_year, plan_table, procurement_plan

        unit = services.unit_by_code(request.query_params.get("unit"))
        access.ensure(request.user, unit, access.VIEW, what="unit")
        try:
            year = parse_year(request.query_params.get("year"))
        except ValueError:
            raise serializers.ValidationError({"year": _("请给出计划年度（如 ?year=2027）")}) from None
        plan = procurement_plan(unit=unit, year=year, standard_id=request.query_params.get("standard") or "jiangsu")
        if request.query_params.get("export") == "xlsx":
            head, rows = plan_table(plan)
            return xlsx_response(xlsx([(str(_("采购计划")), head, rows)]), f"procurement-{unit.code}-{year}.xlsx")
        money = lambda v: None if v is None else str(v)  # noqa: E731
        return Response({**plan, "total_cost": str(plan["total_cost"]),
                         "lines": [{**r, "unit_price": money(r["unit_price"]), "cost": money(r["cost"])}
                                   for r in plan["lines"]]})
