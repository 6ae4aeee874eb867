"""OpenAPI generation: the hooks (drf-spectacular's PRE/POSTPROCESSING_HOOKS) and field extensions that make the
schema say what the API really answers (nullable relations, the error responses every operation can give)."""
from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiSerializerFieldExtension


def drop_trailing_slash_twins(endpoints, **kwargs):
    """A route mounted both as SPEC spells it (`/vehicles/{id}/dossier.pdf`) and as the router does (with a
    trailing slash) is one operation: the schema lists it once, by its SPEC spelling."""
    paths = {path for path, _regex, _method, _callback in endpoints}
    return [endpoint for endpoint in endpoints if not (endpoint[0].endswith("/") and endpoint[0][:-1] in paths)]


def _source_nullable(field) -> bool:
    """Whether a serializer field's dotted source crosses a nullable model field (holder_person, unit…)."""
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    for name in field.source.split(".") if model is not None and field.source != "*" else ():
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if getattr(model_field, "null", False):
            return True
        model = getattr(model_field, "related_model", None)
        if model is None:
            return False
    return False


def _nullable_when_empty(field, auto_schema, direction) -> dict:
    """The field's own schema, nullable when the field allows null or reads a nullable model field."""
    schema = auto_schema._map_serializer_field(field, direction, bypass_extensions=True)
    if field.allow_null or _source_nullable(field):
        schema["nullable"] = True
    return schema


class SlugRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """A relation shown by its code or number is null when the relation is empty: say so in the schema."""

    target_class = "rest_framework.relations.SlugRelatedField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return _nullable_when_empty(self.target, auto_schema, direction)


class DateFieldExtension(OpenApiSerializerFieldExtension):
    """A declared date or date-time field reading a nullable model field answers null when it is empty."""

    target_class = "rest_framework.fields.DateField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        return _nullable_when_empty(self.target, auto_schema, direction)


class DateTimeFieldExtension(DateFieldExtension):
    target_class = "rest_framework.fields.DateTimeField"


class HourMinuteTimeFieldExtension(OpenApiSerializerFieldExtension):
    """A time written as HH:MM (duty hours) is not an RFC 3339 `time` (which has seconds and an offset)."""

    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction == "response" and self.target.format == "%H:%M":
            schema.pop("format", None)
            schema.update(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$", example="08:00")
        return schema


ERROR_SCHEMA = {
    "type": "object",
    "description": "A refusal: `detail` says why; validation errors map each field to its messages.",
    # A validation error maps field names to messages, and a field may be called `code` or `field` too.
    "properties": {name: {"anyOf": [{"type": "string"}, {"type": "array", "items": {}}, {"type": "object"}]}
                   for name in ("detail", "code", "field")},
    "additionalProperties": True,
}
ERRORS = {
    "400": "The request is invalid (bad field, filter or query parameter), or the domain rules refuse it.",
    "401": "No or invalid credentials.",
    "403": "The user's role or unit scope does not allow this.",
    "404": "No such object in the user's scope (or a page past the end).",
    "409": "Conflicts with the current state (a duplicate, an object still referenced, a custody rule).",
}
WRITES = {"post", "put", "patch", "delete"}


def add_error_responses(result, generator, request, public):
    """Every operation documents the refusals it can answer with: 400, 401, 403 and 404 everywhere (filters and
    query parameters are validated on reads too), 409 on writes; all with the one error body."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            for status, text in ERRORS.items():
                if status == "409" and method not in WRITES:
                    continue
                responses.setdefault(status, {"content": {"application/json": {"schema": ref}},
                                              "description": text})
    return result

