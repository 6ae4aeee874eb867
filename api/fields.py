"""Field errors that name things: "没有工号为 CZ9999 的人员" / "No person with staff number CZ9999", "请填写所属单位".

DRF's own texts name internals ("属性 staff_no 为 CZ9999 的对象不存在。", "该字段不能为 null。"), and the
screens show them beside the field's JSON key. Every serializer field fails through `Field.fail`, so that one
method is wrapped (in ApiConfig.ready) rather than every serializer of every app changed: the error's code stays
DRF's (`does_not_exist`, `null`, `required`, `blank`), only its text names the field by its verbose name and an
object by its model's verbose name, in the active language."""
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _
from rest_framework import fields, relations
from rest_framework.exceptions import ValidationError

EMPTY = {
    "required": _("请填写%(field)s"),
    "null": _("请填写%(field)s"),
    "blank": _("%(field)s不能为空"),
}


def field_label(field) -> str:
    """The field's verbose name: the model field's, else the related model's (人员, 单位), else its label."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is not None and field.source and "." not in field.source:
        try:
            return str(model._meta.get_field(field.source).verbose_name)
        except FieldDoesNotExist:
            pass
    related = _model_of(field) or _model_of(getattr(field, "child_relation", None))
    if related is not None:
        return str(related._meta.verbose_name)
    return str(field.label or field.field_name or "")


def _in_sentence(name) -> str:
    """A verbose name inside an English sentence: "Staff no." reads "staff no." there (Chinese is unchanged)."""
    text = str(name)
    return text[:1].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() else text


def _model_of(field):
    """The model a related field looks objects up in (None for other fields)."""
    if not isinstance(field, relations.RelatedField):
        return None
    queryset = field.queryset
    if queryset is None and "get_queryset" in type(field).__dict__:  # a field scoped per request
        queryset = field.get_queryset()
    return None if queryset is None else queryset.model


def message_for(field, key: str, kwargs: dict) -> str | None:
    """The named message for `field`'s error `key`, or None to keep DRF's."""
    if key in EMPTY:
        return str(EMPTY[key]) % {"field": field_label(field)}
    if key == "does_not_exist":
        model = _model_of(field)
        if model is None:
            return None
        if "slug_name" in kwargs:
            try:
                attribute = str(model._meta.get_field(kwargs["slug_name"]).verbose_name)
            except FieldDoesNotExist:
                attribute = kwargs["slug_name"]
            value = kwargs.get("value")
        else:
            attribute, value = str(_("编号")), kwargs.get("pk_value")
        return str(_("没有%(attribute)s为 %(value)s 的%(model)s")) % {
            "attribute": _in_sentence(attribute), "value": value, "model": _in_sentence(model._meta.verbose_name)}
    return None


def install() -> None:
    """Wraps `Field.fail` (and the related fields', which inherit it) once."""
    if getattr(fields.Field.fail, "names_things", False):
        return
    original = fields.Field.fail

    def fail(self, key, **kwargs):
        message = message_for(self, key, kwargs)
        if message is None:
            return original(self, key, **kwargs)
        raise ValidationError(message, code=key)

    fail.names_things = True
    fields.Field.fail = fail
