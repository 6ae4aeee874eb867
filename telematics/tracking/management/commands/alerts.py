"""`qm alerts [--since DATETIME] [--format json|table]`: the alerts in the order they started (json: a list), each with its case
state (`case_state`, `case_deadline`, `case_overdue`)."""
import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext
from django.utils.dateparse import parse_date, parse_datetime

from ...cases.selectors import annotate_cases, case_fields
from ...choices import AlertKind, AlertStatus, CaseState
from ...decoders.common import SHANGHAI
from ...models import Alert
from ...services import alert_payload

TABLE_COLUMNS = ("id", "kind", "vehicle", "terminal", "started_at", "ended_at", "venue", "place", "grid_code",
                 "status", "case_state")


def parse_since(text: str):
    try:  # a well-formed but impossible value (2026-13-01) raises instead of answering None
        moment = parse_datetime(text)
        day = parse_date(text) if moment is None else None
    except ValueError:
        moment = day = None
    if moment is None:
        if day is None:
            raise CommandError(gettext("--%(what)s %(text)s 不是 ISO 格式的日期或日期时间") % {
                "what": "since", "text": repr(text)})
        moment = day.isoformat() + "T00:00:00"
        moment = parse_datetime(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=SHANGHAI)
    return moment


class Command(BaseCommand):
    help = "List alerts (SPEC fields: id, kind, vehicle, terminal, started_at, ended_at, lat, lon, venue, ...)."

    def add_arguments(self, parser):
        parser.add_argument("--since", help="only alerts started at or after this (ISO; local time without offset)")
        parser.add_argument("--kind", choices=AlertKind.values)
        parser.add_argument("--status", choices=AlertStatus.values)
        parser.add_argument("--case-state", choices=CaseState.values, help="only alerts whose case is in this state")
        parser.add_argument("--format", choices=("json", "table"), default="table")
        parser.add_argument("--evidence", action="store_true", help="json: include the evidence (track)")

    def handle(self, *args, **options):
        qs = annotate_cases(Alert.objects.select_related("vehicle")).order_by("started_at", "id")
        if options["since"]:
            qs = qs.filter(started_at__gte=parse_since(options["since"]))
        if options["kind"]:
            qs = qs.filter(kind=options["kind"])
        if options["status"]:
            qs = qs.filter(status=options["status"])
        if options["case_state"]:
            qs = qs.filter(case_state_v=options["case_state"])
        rows = [{**alert_payload(a, evidence=options["evidence"]), **case_fields(a)} for a in qs]
        if options["format"] == "json":
            self.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
            return
        table = [TABLE_COLUMNS] + [tuple("" if r[c] is None else str(r[c]) for c in TABLE_COLUMNS) for r in rows]
        widths = [max(len(row[i]) for row in table) for i in range(len(TABLE_COLUMNS))]
        for row in table:
            self.stdout.write("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
