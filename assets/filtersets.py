"""Query filters for the registry API: every model field can be filtered (tests.api checks), codes as well as ids."""
import django_filters as filters
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from .choices import AssetStatus, ChangeAction, CustodyAction, PersonRole, PersonStatus, UnitKind, UserRole
from .models import Asset, Category, ChangeRecord, CustodyEvent, ItemType, OrgUnit, Person, PersonHistory, Profile

TEXT = ["exact", "icontains"]
NUMBER = ["exact", "gte", "lte"]
DATE = ["exact", "gte", "lte"]


class SubtreeFilter(filters.CharFilter):
    """Rows whose unit (at `field_name`) is the given unit code or anywhere below it."""

    def filter(self, qs, value):
        if not value:
            return qs
        unit = OrgUnit.objects.filter(code=value).only("path").first()
        if unit is None:
            return qs.none()
        return qs.filter(**{f"{self.field_name}__path__startswith": unit.path}).distinct()


class OrgUnitFilterSet(filters.FilterSet):
    kind = filters.MultipleChoiceFilter(choices=UnitKind.choices)
    parent_code = filters.CharFilter(field_name="parent__code", label="parent unit code")
    within = filters.CharFilter(method="filter_within", label="unit code: that unit and its subtree")

    class Meta:
        model = OrgUnit
        fields = {
            "id": ["exact", "in"], "code": TEXT, "name": TEXT, "parent": ["exact", "isnull"],
            "population": NUMBER, "path": ["exact", "startswith"], "depth": NUMBER,
            "depot_lat": ["isnull", "gte", "lte"], "depot_lon": ["gte", "lte"], "depot_radius_m": NUMBER,
        }

    def filter_within(self, qs, name, value):
        unit = OrgUnit.objects.filter(code=value).only("path").first()
        return qs.filter(path__startswith=unit.path) if unit else qs.none()


class PersonFilterSet(filters.FilterSet):
    unit_code = filters.CharFilter(field_name="unit__code", label="unit code")
    within = SubtreeFilter(field_name="unit", label="unit code: people in that unit and its subtree")
    role = filters.MultipleChoiceFilter(choices=PersonRole.choices)
    status = filters.MultipleChoiceFilter(choices=PersonStatus.choices)

    class Meta:
        model = Person
        fields = {
            "id": ["exact", "in"], "staff_no": TEXT, "name": TEXT, "unit": ["exact"], "frontline": ["exact"],
            "cert_no": TEXT, "cert_expires": DATE + ["isnull"], "badge_no": TEXT + ["isnull"],
            "created_at": DATE, "updated_at": DATE,
        }


class PersonHistoryFilterSet(filters.FilterSet):
    staff_no = filters.CharFilter(field_name="person__staff_no", label="person staff number")

    class Meta:
        model = PersonHistory
        fields = {
            "id": ["exact"], "person": ["exact"], "effective": DATE, "unit": ["exact"], "role": ["exact"],
            "frontline": ["exact"], "status": ["exact"], "recorded_at": DATE,
        }


class CategoryFilterSet(filters.FilterSet):
    class Meta:
        model = Category
        fields = {"code": ["exact", "in"], "name": TEXT, "name_en": TEXT, "officer_only": ["exact"],
                  "depreciation_years": NUMBER + ["isnull"]}


class ItemTypeFilterSet(filters.FilterSet):
    class Meta:
        model = ItemType
        fields = {"id": ["exact"], "category": ["exact"], "code": TEXT, "name": TEXT, "name_en": TEXT,
                  "service_years": NUMBER}


class AssetFilterSet(filters.FilterSet):
    category = filters.ModelMultipleChoiceFilter(queryset=Category.objects.all(), label="category code(s)")
    status = filters.MultipleChoiceFilter(choices=AssetStatus.choices)
    unit_code = filters.CharFilter(field_name="unit__code", label="owning unit code")
    within = SubtreeFilter(field_name="unit", label="unit code: assets owned in that unit's subtree")
    holder = filters.CharFilter(field_name="holder_person__staff_no", label="holder's staff number")
    holder_unit_code = filters.CharFilter(field_name="holder_unit__code", label="holding unit code")

    class Meta:
        model = Asset
        fields = {
            "id": ["exact", "in"], "tag": ["exact", "in", "icontains"], "item": TEXT, "unit": ["exact"],
            "serial": TEXT, "model": TEXT, "size": ["exact"], "acquired": DATE + ["isnull"],
            "service_years": NUMBER, "holder_person": ["exact", "isnull"], "holder_unit": ["exact", "isnull"],
            "expires": DATE + ["isnull"], "issued_at": DATE + ["isnull"], "created_at": DATE, "updated_at": DATE,
            "price": NUMBER + ["isnull"], "finance_card_no": ["exact", "icontains"],
        }


class CustodyEventFilterSet(filters.FilterSet):
    action = filters.MultipleChoiceFilter(choices=CustodyAction.choices)
    tag = filters.CharFilter(field_name="asset__tag", label="asset tag")
    staff_no = filters.CharFilter(field_name="person__staff_no", label="person staff number")
    unit_code = filters.CharFilter(field_name="unit__code", label="unit code of the event")
    occurred_after = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_before = filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")
    date = filters.DateFilter(field_name="occurred_at", lookup_expr="date", label="occurred on (local date)")
    status_after = filters.MultipleChoiceFilter(choices=AssetStatus.choices)

    class Meta:
        model = CustodyEvent
        fields = {
            "id": ["exact"], "asset": ["exact"], "occurred_at": DATE, "recorded_at": DATE, "person": ["exact"],
            "unit": ["exact"], "date_lost": DATE, "date_reported": DATE, "receipt_no": ["exact"],
            "note": ["icontains"], "unit_after": ["exact"], "holder_person_after": ["exact"],
            "holder_unit_after": ["exact"], "user": ["exact"], "username": ["exact"], "source": ["exact"],
            "expires_after": DATE + ["isnull"],
        }


class ChangeRecordFilterSet(filters.FilterSet):
    action = filters.MultipleChoiceFilter(choices=ChangeAction.choices)
    model = filters.CharFilter(method="filter_model", label="app_label.model, e.g. assets.asset")
    content_type = filters.ModelChoiceFilter(queryset=ContentType.objects.all())
    before = filters.CharFilter(field_name="before", lookup_expr="icontains", label="text in the before-image")
    after = filters.CharFilter(field_name="after", lookup_expr="icontains", label="text in the after-image")

    class Meta:
        model = ChangeRecord
        fields = {
            "id": ["exact"], "at": DATE, "user": ["exact"], "username": ["exact"], "source": ["exact"],
            "request_id": ["exact"], "object_id": ["exact"], "object_repr": ["icontains"],
        }

    def filter_model(self, qs, name, value):
        app_label, _, model = value.lower().partition(".")
        return qs.filter(content_type__app_label=app_label, content_type__model=model)


class UserFilterSet(filters.FilterSet):
    role = filters.ChoiceFilter(field_name="qm_profile__role", choices=UserRole.choices)
    unit_code = filters.CharFilter(field_name="qm_profile__unit__code", label="scope unit code")

    class Meta:
        model = get_user_model()
        fields = {
            "id": ["exact"], "username": TEXT, "first_name": TEXT, "last_name": TEXT, "email": TEXT,
            "is_active": ["exact"], "is_staff": ["exact"], "is_superuser": ["exact"], "last_login": DATE,
            "date_joined": DATE,
        }


class ProfileFilterSet(filters.FilterSet):
    role = filters.ChoiceFilter(choices=UserRole.choices)

    class Meta:
        model = Profile
        fields = {"id": ["exact"], "user": ["exact"], "unit": ["exact", "isnull"], "person": ["exact", "isnull"]}
