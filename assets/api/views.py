"""Registry endpoints: declarations plus custody actions, each action one call to a service in assets.services."""
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from quartermaster.errors import DomainError, unit_label

from .. import access, bookvalue, disposals, selectors, services
from .. import users as user_services
from ..labels import joined
from ..reports import disposal_register_xlsx_response
from ..filtersets import (
    AssetFilterSet, CategoryFilterSet, ChangeRecordFilterSet, CustodyEventFilterSet, ItemTypeFilterSet,
    OrgUnitFilterSet, PersonFilterSet, UserFilterSet,
)
from ..models import Asset, Category, ChangeRecord, CustodyEvent, DisposalRequest, ItemType, OrgUnit, Person
from .serializers import (
    AssetActionResultSerializer, AssetSerializer, BookValueQuerySerializer, DisposalApproveSerializer,
    DisposalRefuseSerializer, DisposalRequestSerializer, AssetUpdateSerializer, CategorySerializer,
    ChangeRecordSerializer, ChecklistItemSerializer, CustodyEventSerializer, IssueSerializer, ItemTypeSerializer,
    MovementSerializer, OrgUnitSerializer, PersonSerializer, ReportLostSerializer, ReturnSerializer,
    TransferSerializer, UserSerializer,
)
from .viewsets import ScopedCreateReadViewSet, ScopedModelViewSet, ScopedReadOnlyViewSet, ScopedViewSet

NO_DELETE = ["get", "post", "put", "patch", "head", "options"]


def changed(instance, data: dict) -> dict:
    """Only the values that differ, so a PUT repeating unchanged read-once fields (codes) is accepted."""
    return {k: v for k, v in data.items() if getattr(instance, k, object()) != v}


class OrgUnitViewSet(ScopedModelViewSet):
    """Org units; writes are the administrator's. Moving a unit re-paths its subtree."""

    queryset = OrgUnit.objects.select_related("parent")
    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilterSet
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name", "path", "depth", "population"]
    ordering = ["path"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.unit_create(**data)

    def perform_update(self, serializer):
        unit = serializer.instance
        data = changed(unit, serializer.validated_data)
        if "code" in data:
            raise DomainError(_("%(unit)s 的单位编码不能更改"), field="code", code="immutable", unit=unit_label(unit))
        serializer.instance = services.unit_update(unit=unit, **data)


class PersonViewSet(ScopedModelViewSet):
    """Personnel; people leave by status (transferred, retired), never by deletion."""

    queryset = Person.objects.select_related("unit")
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    http_method_names = NO_DELETE
    search_fields = ["staff_no", "name", "cert_no", "badge_no"]
    ordering_fields = ["staff_no", "name", "unit__path", "status", "cert_expires"]
    ordering = ["staff_no"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.person_create(**data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        effective = data.pop("effective", None)
        data = changed(serializer.instance, data)
        serializer.instance = services.person_update(person=serializer.instance, effective=effective, **data)

    @extend_schema(responses={200: ChecklistItemSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def checklist(self, request, pk=None):
        """What this person must still hand back before leaving (empty unless transferred or retired)."""
        items = selectors.person_return_checklist(self.get_object())
        return Response(ChecklistItemSerializer(items, many=True).data)


class CategoryViewSet(ScopedModelViewSet):
    """The fixed categories of SPEC (looked up by code); names may be edited by an administrator."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    filterset_class = CategoryFilterSet
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["code", "name"]
    ordering = ["code"]


class ItemTypeViewSet(ScopedModelViewSet):
    queryset = ItemType.objects.select_related("category")
    serializer_class = ItemTypeSerializer
    filterset_class = ItemTypeFilterSet
    search_fields = ["code", "name", "name_en"]
    ordering_fields = ["category", "code", "name"]
    ordering = ["category", "code"]


MOVEMENT_RESPONSES = {201: AssetActionResultSerializer}


@extend_schema_view(
    create=extend_schema(description="Registers an asset and records its receipt into the unit's stock."),
    update=extend_schema(request=AssetUpdateSerializer),
    partial_update=extend_schema(request=AssetUpdateSerializer),
)
class AssetViewSet(ScopedModelViewSet):
    """Assets. Create = receive into stock; unit, status and holder change only through the custody actions.
    An asset is also reachable by its tag: `?tag=` or `GET /api/v1/assets/by-tag/{tag}/`."""

    queryset = Asset.objects.select_related("category", "unit", "holder_person", "holder_unit")
    serializer_class = AssetSerializer
    filterset_class = AssetFilterSet
    http_method_names = NO_DELETE
    search_fields = ["tag", "item", "serial", "model"]
    ordering_fields = ["tag", "category", "unit__path", "status", "acquired", "updated_at"]
    ordering = ["tag"]

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return AssetUpdateSerializer
        return super().get_serializer_class()

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.asset_create(**data)

    def perform_update(self, serializer):
        asset = serializer.instance
        data = changed(asset, serializer.validated_data)
        # The ledger's fields are read-only here; a body that would change one is refused by the service (with the
        # custody action to use) rather than silently ignored. Repeating their current values, as a PUT of the
        # read shape does, is accepted.
        current = {"unit": asset.unit.code, "status": asset.status,
                   "holder_person": getattr(asset.holder_person, "staff_no", None),
                   "holder_unit": getattr(asset.holder_unit, "code", None)}
        data.update({key: value for key, value in self.request.data.items()
                     if key in current and value != current[key]})
        if data:
            serializer.instance = services.asset_update(asset=asset, **data)

    @extend_schema(responses={200: AssetSerializer},
                   parameters=[OpenApiParameter("tag", str, OpenApiParameter.PATH, description="asset tag")])
    @action(detail=False, methods=["get"], url_path=r"by-tag/(?P<tag>[^/]+)", url_name="by-tag",
            filter_backends=[], pagination_class=None)
    def by_tag(self, request, tag=None):
        asset = get_object_or_404(self.get_queryset(), tag=tag)
        return Response(AssetSerializer(asset, context=self.get_serializer_context()).data)

    # --- custody actions ---------------------------------------------------------------------------

    @extend_schema(request=AssetSerializer, responses={201: AssetSerializer})
    @action(detail=False, methods=["post"])
    def receive(self, request):
        """Receives a new asset into a unit's stock: the custody ledger's first entry (the same as `POST /assets/`)."""
        return self.create(request)

    def _form(self, serializer_class) -> dict:
        form = serializer_class(data=self.request.data, context=self.get_serializer_context())
        form.is_valid(raise_exception=True)
        return dict(form.validated_data)

    def _done(self, event) -> Response:
        asset = self.get_queryset().get(pk=event.asset_id)
        body = AssetActionResultSerializer({"event": event, "asset": asset},
                                           context=self.get_serializer_context())
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=IssueSerializer, responses=MOVEMENT_RESPONSES)
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        """Issues the asset to one officer (`person`, staff number) or one unit (`unit`, code)."""
        asset = self.get_object()
        data = self._form(IssueSerializer)
        person, unit = data.pop("person", None), data.pop("unit", None)
        return self._done(services.asset_issue(asset=asset, person=person, unit=unit, **data))

    @extend_schema(request=ReturnSerializer, responses=MOVEMENT_RESPONSES)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        """Takes an issued (or lost and found) asset back into its unit's stock."""
        asset = self.get_object()
        return self._done(services.asset_return(asset=asset, **self._form(ReturnSerializer)))

    @extend_schema(request=TransferSerializer, responses=MOVEMENT_RESPONSES)
    @action(detail=True, methods=["post"])
    def transfer(self, request, pk=None):
        """Moves the asset to another unit's stock (both units must be in your scope)."""
        asset = self.get_object()
        data = self._form(TransferSerializer)
        return self._done(services.asset_transfer(asset=asset, **data))

    @extend_schema(request=ReportLostSerializer, responses=MOVEMENT_RESPONSES)
    @action(detail=True, methods=["post"], url_path="report-lost", url_name="report-lost")
    def report_lost(self, request, pk=None):
        """Records the asset lost, with the date lost and the date the loss was reported."""
        asset = self.get_object()
        return self._done(services.asset_report_lost(asset=asset, **self._form(ReportLostSerializer)))

    @extend_schema(request=MovementSerializer, responses=MOVEMENT_RESPONSES)
    @action(detail=True, methods=["post"], url_path="repair-out", url_name="repair-out")
    def repair_out(self, request, pk=None):
        """Sends an in-stock asset to repair."""
        asset = self.get_object()
        return self._done(services.asset_repair_out(asset=asset, **self._form(MovementSerializer)))

    @extend_schema(request=MovementSerializer, responses=MOVEMENT_RESPONSES)
    @action(detail=True, methods=["post"], url_path="repair-in", url_name="repair-in")
    def repair_in(self, request, pk=None):
        """Takes an asset back from repair into stock."""
        asset = self.get_object()
        return self._done(services.asset_repair_in(asset=asset, **self._form(MovementSerializer)))

    @extend_schema(request=MovementSerializer, responses=MOVEMENT_RESPONSES)
    @action(detail=True, methods=["post"])
    def retire(self, request, pk=None):
        """Retires (disposes of) an asset that is not issued."""
        asset = self.get_object()
        return self._done(services.asset_retire(asset=asset, **self._form(MovementSerializer)))


class CustodyEventViewSet(ScopedReadOnlyViewSet):
    """The custody ledger, read-only: entries are written by the asset actions and never edited."""

    queryset = CustodyEvent.objects.select_related(
        "asset", "person", "unit", "unit_after", "holder_person_after", "holder_unit_after")
    serializer_class = CustodyEventSerializer
    filterset_class = CustodyEventFilterSet
    search_fields = ["asset__tag", "receipt_no", "note", "person__staff_no", "person__name"]
    ordering_fields = ["occurred_at", "recorded_at", "id"]
    ordering = ["-occurred_at", "-id"]


class ChangeRecordViewSet(ScopedReadOnlyViewSet):
    """The change log, read-only. Scoped users see the records of objects now in their subtree."""

    queryset = ChangeRecord.objects.select_related("content_type")
    serializer_class = ChangeRecordSerializer
    filterset_class = ChangeRecordFilterSet
    search_fields = ["object_repr", "username"]
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]


class UserViewSet(ScopedModelViewSet):
    """Logins with their role and unit scope; the administrator's alone. A scoped administrator manages the
    users scoped inside their own subtree."""

    queryset = get_user_model().objects.select_related("qm_profile__unit", "qm_profile__person")
    serializer_class = UserSerializer
    filterset_class = UserFilterSet
    search_fields = ["username", "first_name", "last_name", "email"]
    ordering_fields = ["username", "date_joined", "last_login"]
    ordering = ["username"]

    @staticmethod
    def _flatten(data: dict) -> dict:
        data = dict(data)
        data.update(data.pop("qm_profile", {}))
        return data

    def perform_create(self, serializer):
        data = self._flatten(serializer.validated_data)
        serializer.instance = user_services.user_create(**data)

    def perform_update(self, serializer):
        data = self._flatten(serializer.validated_data)
        serializer.instance = user_services.user_update(user=serializer.instance, **data)

    def perform_destroy(self, instance):
        user_services.user_delete(user=instance, by=self.request.user)


class BookValueViewSet(ScopedViewSet):
    """GET ?unit=[&on=]: book value per unit of the subtree (items on the books, price, accumulated depreciation,
    net book value), to reconcile the registry with the finance books. Straight-line by category life (local)."""

    access_model = Asset

    @extend_schema(parameters=[BookValueQuerySerializer], responses=OpenApiTypes.OBJECT)
    def list(self, request):
        form = BookValueQuerySerializer(data=request.query_params, context={"request": request})
        form.is_valid(raise_exception=True)
        unit, on = form.validated_data["unit"], form.validated_data.get("on") or timezone.localdate()
        rows = bookvalue.unit_totals(unit, on, self.restrict(Asset.objects.all()))
        total = {key: sum((row[key] for row in rows), Decimal("0.00") if key in MONEY else 0)
                 for key in ("items", "priced", *MONEY)}
        return Response({"unit": unit.code, "on": on, "residual_rate": str(bookvalue.residual_rate()),
                         "units": [{**row, **{k: str(row[k]) for k in MONEY}} for row in rows],
                         "total": {**total, **{k: str(total[k]) for k in MONEY}}})


MONEY = ("price", "depreciation", "net_book_value")


class DisposalRequestViewSet(ScopedCreateReadViewSet):
    """报废/处置: POST {unit, assets: [tags], reason[, photos]} files a request; POST …/approve/ {note} gives the next
    approval (the last one retires the assets in the ledger); POST …/refuse/ {reason}; GET register/ lists the
    approved disposals (`?export=xlsx` for the spreadsheet)."""

    queryset = DisposalRequest.objects.select_related("unit").prefetch_related(
        "items__asset", "approvals", "photos")
    serializer_class = DisposalRequestSerializer
    filterset_fields = ["status", "unit__code", "number"]
    ordering = ["-requested_at", "-id"]

    def perform_create(self, serializer):
        data = serializer.validated_data
        tags = data["assets"]
        assets = {a.tag: a for a in access.restrict(Asset.objects.filter(tag__in=tags), self.request.user,
                                                    access.CHANGE).select_related("unit", "category")}
        unknown = [t for t in tags if t not in assets]
        if unknown:
            raise DomainError(_("未知标签或不在管辖范围内：%(tags)s"), field="assets", code="unknown_tag",
                              tags=joined(unknown))
        serializer.instance = disposals.disposal_request(unit=data["unit"], assets=[assets[t] for t in tags],
                                                         reason=data["reason"], photos=data.get("photos"))

    def _decided(self, request_row):
        return Response(DisposalRequestSerializer(self.get_queryset().get(pk=request_row.pk)).data)

    @extend_schema(request=DisposalApproveSerializer, responses={200: DisposalRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        form = DisposalApproveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._decided(disposals.disposal_approve(request=self.get_object(), user=request.user,
                                                        note=form.validated_data["note"]))

    @extend_schema(request=DisposalRefuseSerializer, responses={200: DisposalRequestSerializer})
    @action(detail=True, methods=["post"])
    def refuse(self, request, pk=None):
        form = DisposalRefuseSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        return self._decided(disposals.disposal_refuse(request=self.get_object(), user=request.user,
                                                       reason=form.validated_data["reason"]))

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def register(self, request):
        rows = disposals.approved_register(self.get_queryset())
        if request.query_params.get("export") == "xlsx":
            return disposal_register_xlsx_response(rows)
        return Response({"count": len(rows), "rows": [
            {**r, "price": None if r["price"] is None else str(r["price"]),
             "book_value": None if r["book_value"] is None else str(r["book_value"])} for r in rows]})
