"""Pages of the live map and track replay, the map's snapshot (JSON) and its server-sent event stream.
Every view needs a signed-in user with a role; what it shows is limited to the user's unit subtree."""
from __future__ import annotations

import datetime as dt

from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assets import access
from assets.models import OrgUnit
from gis.choices import VenueCategory
from quartermaster.dbrouter import reads_from_replica
from telematics.journeys import conf as journeys_conf
from telematics.journeys.choices import JourneyClass
from telematics.models import Vehicle
from telematics.tracking import conf as tracking_conf
from telematics.tracking.choices import AlertKind
from telematics.tracking.models import Alert

from . import basemaps, conf, selectors
from .stream import FleetStream, format_cursor, parse_cursor

role_required = access.page("telematics.Vehicle")


def _strings() -> dict:
    """The UI text the scripts show, translated here so the scripts carry no language of their own."""
    return {
        "unit": _("单位"), "state": _("状态"), "speed": _("速度"), "kmh": _("公里/小时"), "lastFix": _("最后定位"),
        "grid": _("网格编码"), "place": _("位置"), "openAlerts": _("未结束告警"), "none": _("无"), "vehicleFile": _("车辆档案"),
        "replay": _("轨迹回放"), "acknowledge": _("确认"), "dismiss": _("排除"), "openCase": _("核查详情"),
        "acknowledgeTitle": _("确认告警"), "dismissTitle": _("排除告警"), "reasonRequired": _("排除告警须填写理由。"),
        "statusAcknowledged": _("已确认"), "statusDismissed": _("已排除"), "failed": _("操作失败"),
        "dwell": _("停留"), "minutes": _("分钟"), "play": _("播放"), "pause": _("暂停"), "stop": _("停车"),
        "noTrack": _("该时段没有定位。"), "fixes": _("定位点"), "stops": _("停车点"), "alertsOnTrack": _("告警"),
        "chooseVehicle": _("请选择车辆。"),
        "trip": _("行程"), "allTrips": _("全部行程"), "km": _("公里"),
        "classes": {str(value): str(label) for value, label in JourneyClass.choices},
        "locate": _("立即定位"), "locating": _("定位中…"), "located": _("终端应答"),
        "interval": _("汇报间隔"), "intervalTitle": _("设置汇报间隔"), "intervalSending": _("设置中…"),
        "intervalRequired": _("请至少填写一个汇报间隔（1–86400 秒）。"), "seconds": _("秒"),
        "intervalAccepted": _("终端已接受"), "intervalRefused": _("终端拒绝"), "intervalResult": _("应答结果"),
        "intervalDefault": _("缺省"), "intervalSleep": _("休眠"),
        "terminalAlarms": _("终端报警"), "explainedBy": _("静默前终端报警："),
        "alarms": {"overspeed": _("超速报警"), "fatigue": _("疲劳驾驶"), "illegal_ignition": _("非法点火"),
                   "illegal_movement": _("非法位移"), "power_cut": _("主电源掉电"),
                   "antenna_cut": _("天线断路")},
        "kinds": {str(value): str(label) for value, label in AlertKind.choices},
        "states": {"moving": _("行驶"), "stopped": _("停驶"), "offline": _("离线"), "alert": _("告警中")},
        "stream": {"connecting": _("连接中"), "live": _("实时"), "reconnecting": _("重新连接中")},
        "delayed": _("数据延迟 %(n)s 秒"),
        "follow": _("跟随"), "unfollow": _("停止跟随"), "following": _("正在跟随"),
        "lastTrack": _("最近轨迹"), "lastTrackNone": _("最近没有轨迹"),
        "searchNotFound": _("未找到该车牌的车辆。"), "searchNoFix": _("该车辆还没有定位。"),
        "searchMany": _("多辆车匹配，请选择："), "jurisdiction": _("所属辖区"),
        "venueCategories": {str(value): str(label) for value, label in VenueCategory.choices},
    }


def _unit_names(request) -> dict[str, str]:
    """Unit code -> name for the jurisdictions' tooltips: the units in the user's scope (others show their code)."""
    return dict(access.restrict(OrgUnit.objects.all(), request.user).values_list("code", "name"))


def _map_config(request) -> dict:
    return {
        "snapshotUrl": reverse("live:snapshot"), "streamUrl": reverse("live:stream"),
        "alertsApi": "/api/v1/alerts/", "tracksApi": "/api/v1/tracks/", "layersApi": "/api/v1/gis/",
        "vehicleUrl": "/vehicles/{id}/", "replayUrl": reverse("live:replay"),
        **basemaps.page_config(), "lastTrackMin": conf.get("QM_MAP_LAST_TRACK_MIN"),
        "unitNames": _unit_names(request),
        "offlineS": conf.get("QM_MAP_OFFLINE_S"), "stopKmh": tracking_conf.get("QM_STOP_SPEED_KMH"),
        "canReview": access.may(request.user, "acknowledge", Alert),
        "canLocate": access.may(request.user, "locate", Vehicle), "vehiclesApi": "/api/v1/vehicles/",
        "center": [31.78, 119.95],
        "utcOffset": timezone.localtime().strftime("%z")[:3] + ":" + timezone.localtime().strftime("%z")[3:],
    }


@role_required
@require_GET
@reads_from_replica
def live_map(request):
    units = selectors.scoped_units(request.user)
    focus = request.GET.get("vehicle", "")
    config = {**_map_config(request), "focus": int(focus) if focus.isdigit() else None}
    return render(request, "live/map.html", {"config": config, "units": units,
                                             "strings": _strings()})


@role_required
@require_GET
@reads_from_replica
def map_snapshot(request):
    """The vehicles in scope with their newest fix, the alerts awaiting review, and the cursor to stream from
    (taken first, so whatever is stored while the snapshot is read comes through the stream). Read from a replica,
    the alerts' cursor starts as far back as the replica is behind, and `delay_s` says by how much."""
    route = request.read_route
    cursor = format_cursor(selectors.newest_arrival(), timezone.now() - dt.timedelta(seconds=route.lag or 0))
    return JsonResponse({
        "cursor": cursor, "now": timezone.now().isoformat(), "delay_s": route.delay_s,
        "vehicles": selectors.fleet_snapshot(selectors.scoped_vehicles(request.user)),
        "alerts": selectors.alerts_awaiting_review(selectors.scoped_alerts(request.user)),
    }, json_dumps_params={"ensure_ascii": False})


@role_required
@require_GET
def map_stream(request):
    """text/event-stream of fixes and alert changes after the cursor (`?cursor=` or Last-Event-ID)."""
    cursor = parse_cursor(request.headers.get("Last-Event-ID")) or parse_cursor(request.GET.get("cursor"))
    if cursor is None:
        cursor = (selectors.newest_arrival(), timezone.now())
    stream = FleetStream(user=request.user, arrival=cursor[0], since=cursor[1])
    response = StreamingHttpResponse(stream.events(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # a proxy in front must not hold the events back
    return response


@role_required
@require_GET
@reads_from_replica
def track_replay(request):
    vehicles = selectors.scoped_vehicles(request.user).order_by("plate")
    end = timezone.localtime() + dt.timedelta(minutes=1)  # the form shows minutes: the last fixes stay inside
    start = end - dt.timedelta(hours=24)
    config = {**_map_config(request), "vehicle": request.GET.get("vehicle", ""),
              "start": request.GET.get("start") or start.strftime("%Y-%m-%dT%H:%M"),
              "end": request.GET.get("end") or end.strftime("%Y-%m-%dT%H:%M"),
              "stopMinS": journeys_conf.get("QM_TRIP_STOP_MIN_S")}
    return render(request, "live/replay.html", {"config": config, "vehicles": vehicles,
                                                "strings": _strings()})
