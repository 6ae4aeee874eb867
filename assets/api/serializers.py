"""Shapes of the registry API: units, people and categories by their codes, custody actions as small input forms."""
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from .. import bookvalue
from ..choices import UserRole
from ..models import Asset, Category, ChangeRecord, CustodyEvent, DisposalRequest, ItemType, OrgUnit, Person
from .fields import ScopedSlugRelatedField


def _unit_field(**kwargs):
    return ScopedSlugRelatedField(slug_field="code", queryset=OrgUnit.objects.all(), **kwargs)


def _person_field(**kwargs):
    return ScopedSlugRelatedField(slug_field="staff_no", queryset=Person.objects.all(), **kwargs)


class OrgUnitSerializer(serializers.ModelSerializer):
    parent = _unit_field(allow_null=True, required=False, help_text="parent unit code; null for the root")

    class Meta:
        model = OrgUnit
        fields = ["id", "code", "name", "kind", "parent", "population", "depot_lat", "depot_lon", "depot_radius_m",
                  "path", "depth"]
        read_only_fields = ["path", "depth"]


class PersonSerializer(serializers.ModelSerializer):
    unit = _unit_field(help_text="unit code")
    effective = serializers.DateField(write_only=True, required=False,
                                      help_text="date a unit/role/status change takes effect (default today)")

    class Meta:
        model = Person
        fields = ["id", "staff_no", "name", "unit", "role", "frontline", "status", "cert_no", "cert_expires",
                  "badge_no", "effective", "created_at", "updated_at"]


class ChecklistItemSerializer(serializers.Serializer):
    tag = serializers.CharField()
    category = serializers.CharField()
    category_name = serializers.CharField()
    item = serializers.CharField()
    return_to = serializers.CharField()


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["code", "name", "name_en", "officer_only", "depreciation_years"]


class ItemTypeSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all())

    class Meta:
        model = ItemType
        fields = ["id", "category", "code", "name", "name_en", "service_years"]


class AssetSerializer(serializers.ModelSerializer):
    """Read shape, and the create (receive into stock) form: `at` and `note` go on the receive event."""

    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.all())
    unit = _unit_field(help_text="owning unit code")
    holder_person = serializers.SlugRelatedField(slug_field="staff_no", read_only=True)
    holder_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    at = serializers.DateTimeField(write_only=True, required=False, help_text="moment of receipt (default now)")
    note = serializers.CharField(write_only=True, required=False, allow_blank=True)
    expires = serializers.DateField(required=False, allow_null=True,
                                    help_text="certificates and work cards: valid until (later changes: renew)")
    book_value = serializers.SerializerMethodField(
        help_text="net book value today (yuan): price less straight-line depreciation by category life; null "
                  "without a price")

    class Meta:
        model = Asset
        fields = ["id", "tag", "category", "item", "unit", "serial", "model", "size", "acquired", "service_years",
                  "expires", "price", "finance_card_no", "book_value", "status", "holder_person", "holder_unit",
                  "issued_at", "created_at", "updated_at", "at", "note"]
        read_only_fields = ["status", "issued_at", "created_at", "updated_at"]

    def get_book_value(self, asset) -> str | None:
        value = bookvalue.net_book_value(asset, timezone.localdate())
        return None if value is None else str(value)


class AssetUpdateSerializer(AssetSerializer):
    """Corrections only: the unit changes by transfer, status and holder by the other custody actions."""

    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    expires = serializers.DateField(read_only=True, allow_null=True)

    class Meta(AssetSerializer.Meta):
        fields = [f for f in AssetSerializer.Meta.fields if f not in ("at", "note")]


class CustodyEventSerializer(serializers.ModelSerializer):
    tag = serializers.CharField(source="asset.tag", read_only=True)
    person = serializers.SlugRelatedField(slug_field="staff_no", read_only=True)
    unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    unit_after = serializers.SlugRelatedField(slug_field="code", read_only=True)
    holder_person_after = serializers.SlugRelatedField(slug_field="staff_no", read_only=True)
    holder_unit_after = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = CustodyEvent
        fields = ["id", "asset", "tag", "action", "occurred_at", "recorded_at", "person", "unit", "date_lost",
                  "date_reported", "receipt_no", "note", "status_after", "unit_after", "holder_person_after",
                  "holder_unit_after", "expires_after", "username", "source"]
        read_only_fields = fields


class ChangeRecordSerializer(serializers.ModelSerializer):
    model = serializers.SerializerMethodField()

    class Meta:
        model = ChangeRecord
        fields = ["id", "at", "user", "username", "source", "request_id", "action", "model", "object_id",
                  "object_repr", "before", "after"]
        read_only_fields = fields

    def get_model(self, obj) -> str:
        ct = obj.content_type
        return f"{ct.app_label}.{ct.model}"


# --- custody actions: input forms; each view hands the validated data to one service ---------------

class MovementSerializer(serializers.Serializer):
    at = serializers.DateTimeField(required=False, help_text="moment of the movement (default now)")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IssueSerializer(MovementSerializer):
    person = _person_field(required=False, allow_null=True, help_text="staff number of the receiving officer")
    unit = _unit_field(required=False, allow_null=True, help_text="code of the receiving unit")
    receipt_no = serializers.CharField(required=False, allow_blank=True, default="")


class ReturnSerializer(MovementSerializer):
    receipt_no = serializers.CharField(required=False, allow_blank=True, default="")


class TransferSerializer(MovementSerializer):
    to_unit = _unit_field(help_text="code of the unit that takes the asset over")


class ReportLostSerializer(MovementSerializer):
    date_lost = serializers.DateField()
    date_reported = serializers.DateField(required=False, help_text="default today")


class AssetActionResultSerializer(serializers.Serializer):
    """What a custody action answers: the ledger entry it wrote and the asset as it now stands."""

    event = CustodyEventSerializer()
    asset = AssetSerializer()


# --- users --------------------------------------------------------------------------------------

class UserSerializer(serializers.ModelSerializer):
    """A login with its role and unit scope (the Profile) in one object."""

    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"},
                                     help_text="set or replace the password")
    role = serializers.ChoiceField(choices=UserRole.choices, source="qm_profile.role", required=False,
                                   allow_null=True)
    unit = ScopedSlugRelatedField(slug_field="code", queryset=OrgUnit.objects.all(), required=False,
                                        allow_null=True, source="qm_profile.unit",
                                        help_text="scope unit code; null for the whole bureau")
    person = ScopedSlugRelatedField(slug_field="staff_no", queryset=Person.objects.all(), required=False,
                                          allow_null=True, source="qm_profile.person")

    class Meta:
        model = get_user_model()
        fields = ["id", "username", "password", "first_name", "last_name", "email", "is_active", "is_staff",
                  "is_superuser", "last_login", "date_joined", "role", "unit", "person"]
        read_only_fields = ["is_superuser", "last_login", "date_joined"]


class BookValueQuerySerializer(serializers.Serializer):
    unit = _unit_field(help_text="unit code: totals for each unit of its subtree")
    on = serializers.DateField(required=False, help_text="the date of the book value (default today)")


class DisposalRequestSerializer(serializers.ModelSerializer):
    """Read shape and the request form: `assets` by tag (each in your scope), `photos` as multipart files."""

    unit = _unit_field(help_text="requesting unit code")
    assets = serializers.ListField(child=serializers.CharField(), write_only=True, help_text="asset tags")
    photos = serializers.ListField(child=serializers.ImageField(), write_only=True, required=False)
    items = serializers.SerializerMethodField()
    approvals = serializers.SerializerMethodField()
    photo_count = serializers.SerializerMethodField()

    class Meta:
        model = DisposalRequest
        fields = ["id", "number", "unit", "reason", "status", "total_price", "total_book_value", "approvals_needed",
                  "requested_by", "requested_at", "decided_at", "refusal_reason", "items", "approvals",
                  "photo_count", "assets", "photos"]
        read_only_fields = ["number", "status", "total_price", "total_book_value", "approvals_needed",
                            "requested_by", "requested_at", "decided_at", "refusal_reason"]

    def get_items(self, obj) -> list[dict]:
        return [{"tag": i.asset.tag, "category": i.asset.category_id, "item": i.asset.item,
                 "price": None if i.price is None else str(i.price),
                 "book_value": None if i.book_value is None else str(i.book_value)} for i in obj.items.all()]

    def get_approvals(self, obj) -> list[dict]:
        return [{"level": a.level, "username": a.username, "approved_at": a.approved_at, "note": a.note}
                for a in obj.approvals.all()]

    def get_photo_count(self, obj) -> int:
        return len(obj.photos.all())


class DisposalApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class DisposalRefuseSerializer(serializers.Serializer):
    reason = serializers.CharField(help_text="why the request is refused")
