"""Views of the notify API: each user's in-app messages, robots, subscriptions, deliveries (administrators: those of
their subtree's users) and scheduled reports with their runs. Rows pass `assets.access` and then the owner filter."""
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from assets.api.viewsets import ScopedCreateReadViewSet, ScopedModelViewSet, ScopedReadOnlyViewSet
from assets import access

from .. import reports, services
from ..models import Delivery, Notification, ReportRun, ReportSchedule, Robot, Subscription
from .serializers import (
    DeliverySerializer,
    NotificationSerializer,
    ReportRunSerializer,
    ReportScheduleSerializer,
    RobotSerializer,
    SubscriptionSerializer,
)


class OwnRowsMixin:
    owner_field = "user"
    admin_sees_scope = False

    def get_queryset(self):
        qs = super().get_queryset()
        if self.admin_sees_scope and access.user_role(self.request.user) == access.ADMIN:
            return qs
        return qs.filter(**{self.owner_field: self.request.user})


class NotificationViewSet(OwnRowsMixin, ScopedReadOnlyViewSet):
    """The signed-in user's in-app messages, newest first; ?unread=1 for the unread ones."""

    queryset = Notification.objects.all()
    serializer_class = NotificationSerializer

    def get_queryset(self):
        qs = super().get_queryset()
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = self.get_object()
        services.notifications_mark_read(user=request.user, ids=[notification.pk])
        notification.refresh_from_db()
        return Response(NotificationSerializer(notification).data)

    @extend_schema(request=None, responses={200: {"type": "object", "properties": {"read": {"type": "integer"}}}})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"read": services.notifications_mark_read(user=request.user)})


class RobotViewSet(OwnRowsMixin, mixins.DestroyModelMixin, ScopedCreateReadViewSet):
    """The user's 企业微信 / 钉钉 group robots; POST …/test/ queues a test message."""

    queryset = Robot.objects.all()
    serializer_class = RobotSerializer

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.robot_create(user=self.request.user, channel=data["channel"],
                                                    name=data["name"], url=data["url"],
                                                    secret=data.get("secret", ""))

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        delivery = services.robot_test(robot=self.get_object())
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)


class SubscriptionViewSet(OwnRowsMixin, ScopedModelViewSet):
    queryset = Subscription.objects.prefetch_related("units", "robots")
    serializer_class = SubscriptionSerializer

    def _save(self, serializer, instance=None):
        data = serializer.validated_data
        current = {}
        if instance is not None:
            current = {"name": instance.name, "kinds": instance.kinds, "units": list(instance.units.all()),
                       "min_severity": instance.min_severity, "in_app": instance.in_app, "email": instance.email,
                       "robots": list(instance.robots.all()), "immediate": instance.immediate,
                       "digest": instance.digest, "active": instance.active}
        merged = {**current, **data}
        if "name" not in merged:
            merged["name"] = ""
        serializer.instance = services.subscription_save(user=self.request.user, subscription=instance, **merged)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)


class DeliveryViewSet(OwnRowsMixin, ScopedReadOnlyViewSet):
    """The delivery log: the user's own; an administrator's covers the users of their subtree. POST …/retry/
    sends a failed one again."""

    queryset = Delivery.objects.select_related("user")
    serializer_class = DeliverySerializer
    admin_sees_scope = True
    filterset_fields = ["channel", "purpose", "status"]

    @extend_schema(request=None, responses=DeliverySerializer)
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        return Response(DeliverySerializer(services.delivery_retry(delivery=self.get_object())).data)


class ReportScheduleViewSet(OwnRowsMixin, ScopedModelViewSet):
    """The user's scheduled reports; POST …/run/ runs one now; GET …/kinds/ lists the reports one may schedule."""

    queryset = ReportSchedule.objects.prefetch_related("units")
    serializer_class = ReportScheduleSerializer
    owner_field = "owner"

    def _save(self, serializer, instance=None):
        data = dict(serializer.validated_data)
        if instance is not None:
            current = {"name": instance.name, "kind": instance.kind, "format": instance.format,
                       "units": list(instance.units.all()), "recipients": instance.recipient_list,
                       "frequency": instance.frequency, "weekday": instance.weekday, "day": instance.day,
                       "hour": instance.hour, "params": instance.params, "language": instance.language,
                       "active": instance.active}
            data = {**current, **data}
        data["fmt"] = data.pop("format")
        data.setdefault("name", "")
        serializer.instance = reports.schedule_save(owner=self.request.user, schedule=instance, **data)

    def perform_create(self, serializer):
        self._save(serializer)

    def perform_update(self, serializer):
        self._save(serializer, serializer.instance)

    @extend_schema(request=None, responses=ReportRunSerializer)
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        run = reports.schedule_run(schedule=self.get_object())
        return Response(ReportRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: {"type": "array", "items": {"type": "object"}}})
    @action(detail=False, methods=["get"])
    def kinds(self, request):
        return Response([{"kind": k.code, "label": str(k.label), "formats": list(k.formats),
                          "params": {name: list(values) for name, values in k.params.items()}}
                         for k in reports.REPORT_KINDS.values()])


class ReportRunViewSet(OwnRowsMixin, ScopedReadOnlyViewSet):
    """Runs of the user's schedules (an administrator: of their subtree's users), newest first."""

    queryset = ReportRun.objects.select_related("schedule").prefetch_related("files", "deliveries")
    serializer_class = ReportRunSerializer
    owner_field = "schedule__owner"
    admin_sees_scope = True
    filterset_fields = ["schedule", "status"]
