"""Shapes of the uniforms API: people by staff number, units by code, assets by tag; input forms check shape only."""
from rest_framework import serializers

from assets.api.fields import ScopedSlugRelatedField
from assets.models import Asset, ItemType, OrgUnit, Person

from ..choices import DepartureKind, HandoverMode
from ..models import (
    BadgeNumberRecord, CertificateLossReport, Departure, Entitlement, HandoverReceipt, IssueRound, OfficerSize,
    AnnualInventory, SealHandover, SealUsage, Stocktake, StocktakeScan, StoragePlace,
)


def _unit(**kw):
    return ScopedSlugRelatedField(slug_field="code", queryset=OrgUnit.objects.all(), **kw)


def _person(**kw):
    return ScopedSlugRelatedField(slug_field="staff_no", queryset=Person.objects.all(), **kw)


def _asset(**kw):
    return ScopedSlugRelatedField(slug_field="tag", queryset=Asset.objects.all(), **kw)


def _item_type(**kw):
    return serializers.SlugRelatedField(slug_field="code", queryset=ItemType.objects.filter(category_id="uniform"),
                                        **kw)


class EntitlementSerializer(serializers.ModelSerializer):
    item_type = _item_type(help_text="uniform item type code")
    item_name = serializers.CharField(source="item_type.name", read_only=True)

    class Meta:
        model = Entitlement
        fields = ["id", "item_type", "item_name", "quantity", "service_years", "season", "active", "source"]


class OfficerSizeSerializer(serializers.ModelSerializer):
    person = _person()
    item_type = _item_type()

    class Meta:
        model = OfficerSize
        fields = ["id", "person", "item_type", "size"]
        validators = []


class IssueRoundSerializer(serializers.ModelSerializer):
    unit = _unit()
    stock_unit = _unit(required=False, allow_null=True, write_only=True)
    retire_replaced = serializers.BooleanField(default=True, write_only=True)
    receipt_no = serializers.CharField(source="receipt.number", read_only=True)

    class Meta:
        model = IssueRound
        fields = ["id", "unit", "season", "stock_unit", "retire_replaced", "on_date", "receipt_no", "issued_count",
                  "replaced_count", "officers_count", "shortfall", "created_at"]
        read_only_fields = ["on_date", "issued_count", "replaced_count", "officers_count", "shortfall"]


class ReplacementDueQuerySerializer(serializers.Serializer):
    unit = _unit()
    start = serializers.DateField()
    end = serializers.DateField()
    include_overdue = serializers.BooleanField(default=True)
    include_unheld = serializers.BooleanField(default=True)


class ExpiryQuerySerializer(serializers.Serializer):
    on = serializers.DateField(required=False, help_text="the day the warnings are for (default today)")


class LabelSheetSerializer(serializers.Serializer):
    columns = serializers.IntegerField(min_value=1, max_value=6, default=3)
    rows = serializers.IntegerField(min_value=1, max_value=15, default=8)


class BadgeRecordSerializer(serializers.ModelSerializer):
    person = serializers.SlugRelatedField(slug_field="staff_no", read_only=True)
    asset = serializers.SlugRelatedField(slug_field="tag", read_only=True)

    class Meta:
        model = BadgeNumberRecord
        fields = ["id", "number", "person", "asset", "issued_on", "ended_on", "end_reason"]


class BadgeIssueSerializer(serializers.Serializer):
    person = _person()
    asset = _asset(help_text="tag of the 胸号 plate; its serial is the number")


class LossFormSerializer(serializers.Serializer):
    person = _person()
    date_lost = serializers.DateField()
    date_reported = serializers.DateField(required=False)
    new_tag = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CertificateIssueSerializer(serializers.Serializer):
    person = _person()
    tag = serializers.CharField()
    number = serializers.CharField()
    expires_on = serializers.DateField()


class CertificateReplaceSerializer(serializers.Serializer):
    tag = serializers.CharField()
    number = serializers.CharField()
    expires_on = serializers.DateField()


class SurrenderSerializer(serializers.Serializer):
    person = _person()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class CertificateLossSerializer(serializers.ModelSerializer):
    person = serializers.SlugRelatedField(slug_field="staff_no", read_only=True)
    asset = serializers.SlugRelatedField(slug_field="tag", read_only=True)
    replacement = serializers.SlugRelatedField(slug_field="tag", read_only=True)

    class Meta:
        model = CertificateLossReport
        fields = ["id", "person", "asset", "cert_no", "date_lost", "date_reported", "reported_late", "replacement",
                  "replacement_no", "note", "created_at"]


class SealHandoverSerializer(serializers.ModelSerializer):
    seal = _asset()
    outgoing = _person()
    incoming = _person()
    note = serializers.CharField(required=False, allow_blank=True, default="", write_only=True)
    receipt_no = serializers.CharField(source="receipt.number", read_only=True)

    class Meta:
        model = SealHandover
        fields = ["id", "seal", "outgoing", "incoming", "note", "at", "receipt_no"]
        read_only_fields = ["at"]


class SealUsageSerializer(serializers.ModelSerializer):
    seal = _asset()
    used_by = _person()
    custodian = serializers.SlugRelatedField(slug_field="staff_no", read_only=True)

    class Meta:
        model = SealUsage
        fields = ["id", "seal", "used_on", "document", "used_by", "custodian", "note", "recorded_at", "username"]
        read_only_fields = ["recorded_at", "username"]


class DepartureSerializer(serializers.ModelSerializer):
    person = _person()
    kind = serializers.ChoiceField(choices=DepartureKind.choices)
    effective = serializers.DateField(required=False)

    class Meta:
        model = Departure
        fields = ["id", "person", "kind", "effective", "note", "opened_at", "closed_out", "closed_at", "closed_by"]
        read_only_fields = ["opened_at", "closed_out", "closed_at", "closed_by"]


class HandoverTargetSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=HandoverMode.choices)
    person = _person(required=False, allow_null=True, default=None)
    unit = _unit(required=False, allow_null=True, default=None)


class HandoverCheckSerializer(HandoverTargetSerializer):
    tag = serializers.CharField(allow_blank=True, trim_whitespace=True)
    seen = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class HandoverCommitSerializer(HandoverTargetSerializer):
    tags = serializers.ListField(child=serializers.CharField(), allow_empty=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class HandoverReceiptSerializer(serializers.ModelSerializer):
    person = serializers.SlugRelatedField(slug_field="staff_no", read_only=True)
    counterpart = serializers.SlugRelatedField(slug_field="staff_no", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = HandoverReceipt
        fields = ["id", "number", "kind", "person", "counterpart", "unit", "note", "created_at", "username"]


class StoragePlaceSerializer(serializers.ModelSerializer):
    unit = _unit()

    class Meta:
        model = StoragePlace
        fields = ["id", "code", "name", "unit"]


class AssetPlaceSerializer(serializers.Serializer):
    asset = _asset()
    place = ScopedSlugRelatedField(slug_field="code", queryset=StoragePlace.objects.all())


class StocktakeSerializer(serializers.ModelSerializer):
    unit = _unit()
    place = ScopedSlugRelatedField(slug_field="code", queryset=StoragePlace.objects.all(), required=False,
                                         allow_null=True)

    class Meta:
        model = Stocktake
        fields = ["id", "unit", "place", "inventory", "status", "started_at", "closed_at", "username", "result"]
        read_only_fields = ["inventory", "status", "started_at", "closed_at", "username", "result"]


class StocktakeScanSerializer(serializers.ModelSerializer):
    class Meta:
        model = StocktakeScan
        fields = ["id", "tag", "scanned_at"]


class DepartureChecklistLineSerializer(serializers.Serializer):
    """One line of a departing person's return checklist (read only)."""

    tag = serializers.CharField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    item = serializers.CharField()
    serial = serializers.CharField()
    return_to = serializers.CharField()
    state = serializers.ChoiceField(choices=["open", "returned", "lost"])


class AnnualInventorySerializer(serializers.ModelSerializer):
    unit = _unit()
    stocktakes = serializers.SerializerMethodField()

    class Meta:
        model = AnnualInventory
        fields = ["id", "unit", "year", "planned_at", "username", "stocktakes"]
        read_only_fields = ["planned_at", "username"]

    def get_stocktakes(self, obj) -> list[dict]:
        return [{"id": st.pk, "unit": st.unit.code, "status": st.status} for st in obj.stocktakes.all()]
