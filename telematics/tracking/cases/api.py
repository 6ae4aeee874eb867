"""The alert API's case routes, mixed into `AlertViewSet`: `/api/v1/alerts/{id}/case/` and its steps, the evidence
pack, and the history's counts and per-rule precision. Each step is a named action of the `tracking.Alert` policy
(`case_explain`, `case_return`, `case_confirm`, `case_dismiss`, `case_note`), so the rows it reaches are cut to the
user's scope before the service adds its own checks."""
from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import renderers, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from ..choices import CaseAction
from . import selectors, services
from .evidence import build_evidence, evidence_pdf, evidence_xlsx


class CaseStepSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, max_length=services.TEXT_MAX)


class CaseExplainSerializer(CaseStepSerializer):
    text = serializers.CharField(max_length=services.TEXT_MAX)
    late_order = serializers.IntegerField(required=False, allow_null=True)
    files = serializers.ListField(child=serializers.FileField(), required=False)


class PrecisionRowSerializer(serializers.Serializer):
    """One rule in one month: decided cases and precision = confirmed / (confirmed + dismissed)."""

    kind = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM, local")
    confirmed = serializers.IntegerField()
    dismissed = serializers.IntegerField()
    precision = serializers.FloatField(allow_null=True)


class FileRenderer(renderers.BaseRenderer):
    """Lets clients ask for the PDF or XLSX; errors on those routes still come out as JSON."""

    media_type = "*/*"
    format = "file"
    charset = None

    def render(self, data, accepted_media_type=None, renderer_context=None):
        import json

        return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()


def attachment_url(attachment) -> str:
    return reverse("alerts:case-attachment", args=[attachment.pk])


class AlertCaseActionsMixin:
    """Routes of the alert cases on the alerts viewset."""

    def _case_response(self, alert):
        return Response(selectors.case_payload(selectors.case_view(alert), attachment_url))

    def _step(self, request, step: str, serializer_class=CaseStepSerializer):
        body = serializer_class(data=request.data)
        body.is_valid(raise_exception=True)
        alert = self.get_object()
        data = body.validated_data
        if step == CaseAction.EXPLAIN:
            files = request.FILES.getlist("files") if hasattr(request, "FILES") else []
            services.case_explain(alert=alert, user=request.user, text=data["text"],
                                  late_order_id=data.get("late_order"), files=files)
        else:
            services.CASE_STEPS[step](alert=alert, user=request.user, text=data.get("text", ""))
        return self._case_response(alert)

    @extend_schema(tags=["alert-cases"], responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"], url_path="case")
    def case(self, request, pk=None):
        """The alert's case (of its journey, for a stop made during one): state, deadline, every step."""
        alert = self.get_object()
        if services.case_alert(alert).kind not in services.case_kinds():
            return Response({"detail": f"{alert.kind} alerts are not handled as cases"}, status=404)
        return self._case_response(alert)

    @extend_schema(tags=["alert-cases"], request=CaseExplainSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="case/explain", url_name="case-explain",
            parser_classes=[MultiPartParser, FormParser, JSONParser])
    def case_explain(self, request, pk=None):
        """The unit's explanation (`text`, optional `late_order` id, `files`): 待说明 → 已说明."""
        return self._step(request, CaseAction.EXPLAIN, CaseExplainSerializer)

    @extend_schema(tags=["alert-cases"], request=CaseStepSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="case/return", url_name="case-return")
    def case_return(self, request, pk=None):
        """Back to the unit for a fuller explanation (`text` required), with a new deadline: 已说明 → 待说明."""
        return self._step(request, CaseAction.RETURN)

    @extend_schema(tags=["alert-cases"], request=CaseStepSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="case/confirm", url_name="case-confirm")
    def case_confirm(self, request, pk=None):
        """认定: a violation (`text` optional)."""
        return self._step(request, CaseAction.CONFIRM)

    @extend_schema(tags=["alert-cases"], request=CaseStepSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="case/dismiss", url_name="case-dismiss")
    def case_dismiss(self, request, pk=None):
        """排除: no violation (`text`, the reason, required)."""
        return self._step(request, CaseAction.DISMISS)

    @extend_schema(tags=["alert-cases"], request=CaseStepSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="case/note", url_name="case-note")
    def case_note(self, request, pk=None):
        """批注: a remark (`text` required) by anyone who may explain or decide; the state stays as it is."""
        return self._step(request, CaseAction.NOTE)

    @extend_schema(tags=["alert-cases"], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="case/evidence.pdf", url_name="case-evidence-pdf",
            renderer_classes=[renderers.JSONRenderer, FileRenderer])
    def case_evidence_pdf(self, request, pk=None):
        """The evidence pack as one PDF."""
        return evidence_response(self.get_object(), request.user, "pdf")

    @extend_schema(tags=["alert-cases"], responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
                              OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="case/evidence.xlsx", url_name="case-evidence-xlsx",
            renderer_classes=[renderers.JSONRenderer, FileRenderer])
    def case_evidence_xlsx(self, request, pk=None):
        """The evidence pack as one workbook (summary, alerts, case history, every fix)."""
        return evidence_response(self.get_object(), request.user, "xlsx")

    @extend_schema(tags=["alert-cases"], responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"])
    def counts(self, request):
        """Alerts (after the list's filters) per kind and case state."""
        return Response(selectors.counts(self.filter_queryset(self.get_queryset())))

    @extend_schema(tags=["alert-cases"], responses=PrecisionRowSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def precision(self, request):
        """Per kind and month: cases confirmed and dismissed, precision = 认定 / (认定 + 排除)."""
        return Response(selectors.precision(self.filter_queryset(self.get_queryset())))


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def evidence_response(alert, user, fmt: str) -> HttpResponse:
    view = selectors.case_view(alert)
    if view.alert.kind not in services.case_kinds():
        raise Http404(f"{view.alert.kind} alerts are not handled as cases")
    evidence = build_evidence(view, user=user)
    if fmt == "pdf":
        response = HttpResponse(evidence_pdf(evidence), content_type="application/pdf")
    else:
        response = HttpResponse(evidence_xlsx(evidence), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="alert-{view.alert.pk}-evidence.{fmt}"'
    return response
