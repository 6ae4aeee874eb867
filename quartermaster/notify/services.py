"""Writes of notify: subscriptions and robots, the outbox of raised alerts and its fan-out to subscribers (scope
always applied), the delivery queue worked with retries and backoff, in-app messages, the daily digest."""
from __future__ import annotations

import datetime as dt
import logging

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from assets import access
from quartermaster.errors import DomainError, invalid_fields, one_of, unit_label
from quartermaster.language import user_language
from telematics.tracking.choices import AlertKind
from telematics.tracking.models import Alert

from . import conf, senders
from .choices import ROBOTS, Channel, DeliveryStatus, Purpose, Severity, kind_severity
from .messages import Message, alert_message, digest_message
from .models import AlertNotice, Delivery, DigestRun, Notification, Robot, Subscription

logger = logging.getLogger("qm.notify")


# --- subscriptions and robots ------------------------------------------------------------------------------------

def robot_create(*, user, channel: str, name: str, url: str, secret: str = "") -> Robot:
    if channel not in ROBOTS:
        raise DomainError(_("渠道 %(channel)s：应为 %(channels)s 之一"), field="channel", channel=repr(channel),
                          channels=", ".join(ROBOTS))
    if not senders.webhook_allowed(url):
        raise DomainError(_("机器人的地址须以 QM_NOTIFY_WEBHOOK_PREFIXES 之一开头（%(prefixes)s）"), field="url",
                          prefixes=", ".join(conf.webhook_prefixes()))
    if secret and channel != Channel.DINGTALK:
        raise DomainError(_("只有钉钉机器人使用密钥签名"), field="secret")
    robot = Robot(user=user, channel=channel, name=name.strip(), url=url.strip(), secret=secret.strip())
    try:
        robot.full_clean()
    except ValidationError as exc:
        raise DomainError(_("%(model)s：%(errors)s"), model=Robot._meta.verbose_name,
                          errors=invalid_fields(exc, robot)) from None
    robot.save()
    return robot


def _check_subscription(*, user, kinds, units, robots, email: bool, min_severity: int) -> None:
    unknown = sorted(set(kinds) - set(AlertKind.values))
    if unknown:
        raise DomainError(_("未知的告警类型：%(kinds)s"), field="kinds", kinds=", ".join(unknown))
    if min_severity not in Severity.values:
        raise DomainError(_("最低严重程度应为 %(choices)s 之一"), field="min_severity",
                          choices=one_of(Severity))
    for unit in units:
        if not access.unit_in_scope(user, unit):
            raise access.OutOfScope(_("%(unit)s 不在您的管辖范围内"), unit=unit_label(unit), field="units")
    for robot in robots:
        if robot.user_id != user.pk:
            raise DomainError(_("机器人“%(name)s”不是您的"), field="robots", name=robot.name)
    if email:
        try:
            validate_email(user.email)
        except ValidationError:
            raise DomainError(_("您的账户没有有效的电子邮件地址，请先设置"), field="email") from None


@transaction.atomic
def subscription_save(*, user, subscription: Subscription | None = None, name: str, kinds: list[str] = (),
                      units=(), min_severity: int = Severity.LOW, in_app: bool = True, email: bool = False,
                      robots=(), immediate: bool = True, digest: bool = False, active: bool = True) -> Subscription:
    """Creates or changes one of `user`'s subscriptions; units must lie in the user's scope, robots be theirs."""
    kinds, units, robots = list(kinds), list(units), list(robots)
    _check_subscription(user=user, kinds=kinds, units=units, robots=robots, email=email,
                        min_severity=int(min_severity))
    sub = subscription or Subscription(user=user)
    if sub.user_id != user.pk:
        raise access.OutOfScope(_("这个订阅不是您的"))
    sub.name, sub.kinds, sub.min_severity = name.strip() or "—", sorted(set(kinds)), int(min_severity)
    sub.in_app, sub.email, sub.immediate, sub.digest, sub.active = in_app, email, immediate, digest, active
    sub.save()
    sub.units.set(units)
    sub.robots.set(robots)
    return sub


# --- the outbox: raised alerts ---------------------------------------------------------------------------------

def alerts_enqueue(*, alert_ids) -> None:
    """Called in the ingest's transaction for each newly raised alert: one outbox row, nothing else (no network)."""
    ids = list(alert_ids)
    if ids:
        AlertNotice.objects.bulk_create([AlertNotice(alert_id=pk) for pk in ids], ignore_conflicts=True)


def alerts_enqueue_on_signal(sender, *, alert_ids, **kwargs) -> None:
    """The receiver of `telematics.tracking.signals.alerts_raised` (the tracking app does not know notify)."""
    alerts_enqueue(alert_ids=alert_ids)


def subscription_matches(sub: Subscription, alert: Alert, unit_paths: list[str]) -> bool:
    if sub.kinds and alert.kind not in sub.kinds:
        return False
    if kind_severity(alert.kind) < sub.min_severity:
        return False
    path = alert.vehicle.unit.path
    return not unit_paths or any(path.startswith(p) for p in unit_paths)


def user_sees(user, alert: Alert) -> bool:
    """The user's scope, as the API would apply it: an active user with a role who may read alerts of this unit."""
    return access.may(user, access.VIEW, Alert) and access.unit_in_scope(user, alert.vehicle.unit)


def _subscriptions(**flags):
    return list(Subscription.objects.filter(active=True, user__is_active=True, **flags)
                .select_related("user", "user__qm_profile__unit").prefetch_related("units", "robots"))


def _targets(sub: Subscription, *, include_in_app: bool = True) -> list[tuple[str, object]]:
    """(channel, robot or None) of one subscription."""
    out = [(Channel.IN_APP, None)] if sub.in_app and include_in_app else []
    if sub.email and sub.user.email:
        out.append((Channel.EMAIL, None))
    out += [(robot.channel, robot) for robot in sub.robots.all()]
    return out


def _enqueue(*, user, channel: str, robot, purpose: str, message: Message, alert=None, now=None) -> None:
    now = now or timezone.now()
    if channel == Channel.IN_APP:
        Notification.objects.create(user=user, purpose=purpose, title=message.title[:200], body=message.text,
                                    link=message.link, alert=alert)
        Delivery.objects.create(user=user, channel=channel, purpose=purpose, target=user.get_username(),
                                subject=message.title[:300], body=message.text, alert=alert,
                                status=DeliveryStatus.SENT, attempts=1, sent_at=now)
        return
    if channel == Channel.EMAIL:
        target, body = user.email, message.text
    else:
        target, body = senders.display_url(robot.url), message.markdown
    Delivery.objects.create(user=user, channel=channel, purpose=purpose, target=target[:300], robot=robot,
                            subject=message.title[:300], body=body, alert=alert, next_attempt_at=now)


def alerts_fan_out(*, limit: int = 500) -> int:
    """Turns waiting outbox rows into in-app messages and queued deliveries, one per user and target, only for
    users whose scope holds the alert's vehicle. Returns how many outbox rows were handled."""
    with transaction.atomic():
        notices = list(AlertNotice.objects.select_for_update(skip_locked=True, of=("self",))
                       .filter(fanned_out_at__isnull=True).select_related("alert__vehicle__unit")
                       .order_by("id")[:limit])
        if not notices:
            return 0
        subs = _subscriptions(immediate=True)
        now = timezone.now()
        for notice in notices:
            alert = notice.alert
            words: dict[str, Message] = {}  # one rendering per recipients' language
            done: set[tuple] = set()
            for sub in subs:
                if not user_sees(sub.user, alert) or \
                        not subscription_matches(sub, alert, [u.path for u in sub.units.all()]):
                    continue
                for channel, robot in _targets(sub):
                    key = (sub.user_id, channel, robot.pk if robot else None)
                    if key in done:
                        continue
                    done.add(key)
                    language = user_language(sub.user)
                    if language not in words:
                        words[language] = alert_message(alert, language)
                    _enqueue(user=sub.user, channel=channel, robot=robot, purpose=Purpose.ALERT,
                             message=words[language], alert=alert, now=now)
            notice.fanned_out_at = now
        AlertNotice.objects.bulk_update(notices, ["fanned_out_at"])
    return len(notices)


# --- the delivery queue ------------------------------------------------------------------------------------------

def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: doubling from QM_NOTIFY_RETRY_S, capped."""
    return min(conf.get("QM_NOTIFY_RETRY_S") * 2 ** max(attempts - 1, 0), conf.get("QM_NOTIFY_RETRY_MAX_S"))


def _claim(now, limit: int) -> list[Delivery]:
    """Takes due deliveries for this worker: the lease (next_attempt_at moved on) keeps other workers off them
    while they are sent outside any transaction."""
    with transaction.atomic():
        due = list(Delivery.objects.select_for_update(skip_locked=True)
                   .filter(status__in=(DeliveryStatus.PENDING, DeliveryStatus.RETRYING), next_attempt_at__lte=now)
                   .order_by("next_attempt_at", "id")[:limit])
        lease = now + dt.timedelta(seconds=conf.get("QM_NOTIFY_LEASE_S"))
        for d in due:
            d.attempts += 1
            d.next_attempt_at = lease
        Delivery.objects.bulk_update(due, ["attempts", "next_attempt_at"])
    return due


def _transmit(delivery: Delivery) -> None:
    if delivery.channel == Channel.EMAIL:
        attachments = []
        if delivery.report_run_id:
            attachments = [(f.filename, bytes(f.content), f.content_type) for f in delivery.report_run.files.all()]
        senders.send_email(to=[delivery.target], subject=delivery.subject, body=delivery.body,
                           attachments=attachments)
        return
    robot = delivery.robot
    if robot is None:
        raise senders.PermanentError(_("机器人已被删除"))
    if delivery.channel == Channel.WECOM:
        senders.send_wecom(url=robot.url, title=delivery.subject, text=delivery.body)
    elif delivery.channel == Channel.DINGTALK:
        senders.send_dingtalk(url=robot.url, secret=robot.secret, title=delivery.subject, text=delivery.body)
    else:
        raise senders.PermanentError(_("渠道 %(channel)s 不由发送进程发送"), channel=delivery.channel)


def deliveries_send(*, now: dt.datetime | None = None, limit: int = 50) -> dict:
    """Sends what is due; a failure is retried with backoff until QM_NOTIFY_MAX_ATTEMPTS, then given up (at once
    when no retry can cure it)."""
    now = now or timezone.now()
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for delivery in _claim(now, limit):
        try:
            _transmit(delivery)
        except senders.SendError as exc:
            with translation.override(user_language(delivery.user)):  # the log in its reader's language
                delivery.last_error = str(exc)[:2000]
            if isinstance(exc, senders.PermanentError) or delivery.attempts >= conf.get("QM_NOTIFY_MAX_ATTEMPTS"):
                delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            else:
                delivery.status = DeliveryStatus.RETRYING
                delivery.next_attempt_at = timezone.now() + dt.timedelta(seconds=retry_delay(delivery.attempts))
            logger.warning("delivery %s (%s to %s) attempt %s failed: %s", delivery.pk, delivery.channel,
                           delivery.target, delivery.attempts, delivery.last_error)
        else:
            delivery.status, delivery.sent_at, delivery.next_attempt_at = DeliveryStatus.SENT, timezone.now(), None
            logger.info("delivery %s (%s to %s) sent", delivery.pk, delivery.channel, delivery.target)
        counts[delivery.status] = counts.get(delivery.status, 0) + 1
        delivery.save(update_fields=["status", "sent_at", "next_attempt_at", "last_error"])
    return counts


def delivery_retry(*, delivery: Delivery) -> Delivery:
    """Sends a failed delivery again at the next look of the worker (attempts start over)."""
    if delivery.status != DeliveryStatus.FAILED:
        raise DomainError(_("只有发送失败的消息才能重新发送"), code="not_failed")
    delivery.status, delivery.attempts, delivery.next_attempt_at = DeliveryStatus.PENDING, 0, timezone.now()
    delivery.save(update_fields=["status", "attempts", "next_attempt_at"])
    return delivery


def robot_test(*, robot: Robot) -> Delivery:
    """Queues a test message to one of the user's robots."""
    message = Message(title="Quartermaster 测试消息", text="这是一条测试消息。", markdown="这是一条测试消息。")
    _enqueue(user=robot.user, channel=robot.channel, robot=robot, purpose=Purpose.TEST, message=message)
    return Delivery.objects.filter(robot=robot).order_by("-id").first()


# --- in-app messages ---------------------------------------------------------------------------------------------

def notifications_mark_read(*, user, ids=None) -> int:
    """Marks the user's messages read (all unread ones when `ids` is None); returns how many changed."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- the daily digest --------------------------------------------------------------------------------------------

def digest_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The 24 hours before QM_NOTIFY_DIGEST_HOUR (local time) of `day`."""
    end = timezone.make_aware(dt.datetime.combine(day, dt.time(int(conf.get("QM_NOTIFY_DIGEST_HOUR")))))
    return end - dt.timedelta(days=1), end


def digests_make(*, now: dt.datetime | None = None) -> int:
    """Once a local day, at or after QM_NOTIFY_DIGEST_HOUR: for each user with a digest subscription, the alerts
    started in the 24 hours before that hour which their digest subscriptions match (in their scope), to the
    subscriptions' channels. A user with no such alert gets nothing that day. Returns how many digests were sent."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < int(conf.get("QM_NOTIFY_DIGEST_HOUR")):
        return 0
    day = local.date()
    window = digest_window(day)
    by_user: dict[int, list[Subscription]] = {}
    for sub in _subscriptions(digest=True):
        by_user.setdefault(sub.user_id, []).append(sub)
    done = set(DigestRun.objects.filter(day=day, user_id__in=by_user).values_list("user_id", flat=True))
    alerts = None
    sent = 0
    for user_id, subs in by_user.items():
        if user_id in done:
            continue
        if alerts is None:
            alerts = list(Alert.objects.filter(started_at__gte=window[0], started_at__lt=window[1])
                          .select_related("vehicle__unit").order_by("started_at", "id"))
        user = subs[0].user
        mine = [a for a in alerts if user_sees(user, a)
                and any(subscription_matches(s, a, [u.path for u in s.units.all()]) for s in subs)]
        with transaction.atomic():
            created = DigestRun.objects.get_or_create(user=user, day=day, defaults={"alerts": len(mine)})[1]
            if not created or not mine:
                continue
            message = digest_message(mine, day, window, user_language(user))
            targets = {(c, r.pk if r else None): (c, r) for s in subs for c, r in _targets(s)}
            for channel, robot in targets.values():
                _enqueue(user=user, channel=channel, robot=robot, purpose=Purpose.DIGEST, message=message, now=now)
            sent += 1
    return sent
