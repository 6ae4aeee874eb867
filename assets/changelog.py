"""Writes the change log for every ChangeLoggedModel save/delete, with the actor and source of the current context."""
from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_save

from quartermaster.context import current

from .choices import ChangeAction
from .models import ChangeLoggedModel, ChangeRecord


def record_change(instance, action: str, before: dict | None, after: dict | None) -> ChangeRecord:
    ctx = current()
    return ChangeRecord.objects.create(
        user_id=ctx.user_id, username=ctx.username, source=ctx.source, request_id=ctx.request_id,
        action=action, content_type=ContentType.objects.get_for_model(type(instance)),
        object_id=str(instance.pk), object_repr=str(instance)[:200], before=before, after=after,
    )


def build_records(model, pairs: list[tuple[object, dict | None, dict | None, str]]) -> list[ChangeRecord]:
    """Unsaved change records for bulk writers (the workbook import), one per (instance, before, after, action)."""
    ctx = current()
    ct = ContentType.objects.get_for_model(model)
    return [
        ChangeRecord(user_id=ctx.user_id, username=ctx.username, source=ctx.source, request_id=ctx.request_id,
                     action=action, content_type=ct, object_id=str(obj.pk), object_repr=str(obj)[:200],
                     before=before, after=after)
        for obj, before, after, action in pairs
    ]


def _pre_save(sender, instance, raw=False, **kwargs):
    if raw or not issubclass(sender, ChangeLoggedModel):
        return
    instance._qm_before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._default_manager.filter(pk=instance.pk).first()
        instance._qm_before = old.snapshot() if old else None


def _post_save(sender, instance, created, raw=False, **kwargs):
    if raw or not issubclass(sender, ChangeLoggedModel):
        return
    after = instance.snapshot()
    before = getattr(instance, "_qm_before", None)
    if not created and before == after:
        return
    record_change(instance, ChangeAction.CREATE if created else ChangeAction.UPDATE, before, after)


def _post_delete(sender, instance, **kwargs):
    if issubclass(sender, ChangeLoggedModel):
        record_change(instance, ChangeAction.DELETE, instance.snapshot(), None)


def connect() -> None:
    pre_save.connect(_pre_save, dispatch_uid="qm_changelog_pre")
    post_save.connect(_post_save, dispatch_uid="qm_changelog_post")
    post_delete.connect(_post_delete, dispatch_uid="qm_changelog_delete")
