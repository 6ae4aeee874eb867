"""Alerts and dead letters as people name them in a refusal: kind, plate and time, not row ids."""
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from quartermaster.errors import Named

from .choices import AlertKind, DeadLetterReason


def _local(moment) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def alert_label(alert) -> Named:
    """苏A·12345 2026-03-02 21:40 的“非工作时间用车”告警 / the “Off-duty use” alert of 苏A·12345 at …"""
    return Named(lambda: str(_("%(plate)s %(start)s 的“%(kind)s”告警")) % {
        "plate": alert.vehicle.plate, "start": _local(alert.started_at),
        "kind": dict(AlertKind.choices).get(alert.kind, alert.kind)})


def dead_letter_label(letter) -> Named:
    """The dead letter by its topic, the time it came and why it was refused."""
    return Named(lambda: str(_("%(at)s 收到的 %(topic)s 消息（%(reason)s）")) % {
        "at": _local(letter.received_at), "topic": letter.topic,
        "reason": dict(DeadLetterReason.choices).get(letter.reason, letter.reason)})
