"""The one domain error type services raise; the API maps it to a 4xx, the CLI to a non-zero exit.

A refusal is written as a Chinese template with named parameters, marked for translation
(`DomainError(_("%(asset)s 由 %(holder)s 持有…"), code="person_to_person", asset=…, holder=…)`), and is
rendered when it is read, in the language active then: the request's (the UI's choice) or the command line's
(`--lang` / QM_LANGUAGE). The code and the field are the contract; only the text is localised.
Parameters name things the way a person reads them: `person_label` and `asset_label` below.
"""
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A refused change. `code` is stable for clients, `message` says what is wrong and where."""

    status_code = 400

    def __init__(self, message, *, code: str = "invalid", field: str | None = None, status_code: int | None = None,
                 **params):
        super().__init__(message)
        self.template = message
        self.params = params
        self.code = code
        self.field = field
        if status_code is not None:
            self.status_code = status_code

    @property
    def message(self) -> str:
        """The refusal in the active language (rendered now, so the same error reads right in either language)."""
        text = str(self.template)
        if not self.params:
            return text
        return text % {key: str(value) if isinstance(value, Promise) else value for key, value in self.params.items()}

    def __str__(self) -> str:
        return self.message

    def in_language(self, language: str) -> str:
        with translation.override(language):
            return self.message

    def as_dict(self) -> dict:
        data = {"detail": self.message, "code": self.code}
        if self.field:
            data["field"] = self.field
        return data


class ConflictError(DomainError):
    """The change contradicts the current state (e.g. the asset is already issued)."""

    status_code = 409


class Named:
    """A name rendered when the message is: what a person reads for an object, in the active language."""

    def __init__(self, render):
        self.render = render

    def __str__(self) -> str:
        return self.render()

    def __format__(self, spec) -> str:
        return format(str(self), spec)


def person_label(person) -> Named:
    """A person as people name them: 张敏（工号 CZ0025） / 张敏 (staff no. CZ0025)."""
    if person is None:
        return Named(lambda: str(_("（无）")))
    return Named(lambda: str(_("%(name)s（工号 %(staff_no)s）")) % {"name": person.name, "staff_no": person.staff_no})


def unit_label(unit) -> Named:
    return Named(lambda: str(_("%(name)s（%(code)s）")) % {"name": unit.name, "code": unit.code})


def holder_label(asset) -> Named:
    """Whoever holds `asset`: a person by name and staff number, or a unit by name and code."""
    if asset.holder_person_id:
        return person_label(asset.holder_person)
    if asset.holder_unit_id:
        return unit_label(asset.holder_unit)
    return person_label(None)


def choice_label(value, choices) -> Named:
    """A status, role… by its label in the active language (`choices`: a TextChoices class)."""
    return Named(lambda: str(dict(choices.choices).get(value, value)))


def one_of(choices) -> Named:
    """The values a TextChoices class allows, each by its label and value: 在用（in_service）、维修中（in_repair）."""
    return Named(lambda: str(_("、")).join(str(_("%(label)s（%(value)s）")) % {"label": label, "value": value}
                                          for value, label in choices.choices))


def invalid_fields(exc, obj) -> Named:
    """A model's full_clean() ValidationError as people read it: every field by its verbose name with its
    messages (Django's own, translated), in the active language; `obj` is the instance (or model) checked."""
    from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist

    def field_name(name: str) -> str:
        if name == NON_FIELD_ERRORS:
            return ""
        try:
            return str(obj._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:
            return name

    def render() -> str:
        parts = []
        for name, messages in exc.message_dict.items():
            text = " ".join(m.rstrip("。.") for m in messages)
            label = field_name(name)
            parts.append(str(_("%(field)s：%(messages)s")) % {"field": label, "messages": text} if label
                         else text)
        return str(_("；")).join(parts)

    return Named(render)
