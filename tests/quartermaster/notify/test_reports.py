"""Scheduled reports: the calendar, a due run rendering a compliance XLSX per unit, mailed as an attachment through a
real SMTP server, logged as a run (API and page); scope and failures are logged too."""
import datetime as dt
import io

import openpyxl
import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from assets.access import OutOfScope
from quartermaster.errors import DomainError
from quartermaster.notify import reports, services
from quartermaster.notify.choices import RunStatus
from quartermaster.notify.models import ReportRun, ReportSchedule

pytestmark = pytest.mark.django_db
TZ = timezone.get_fixed_timezone(8 * 60)


def at(y, m, d, h=0, minute=0):
    return dt.datetime(y, m, d, h, minute, tzinfo=TZ)


def test_the_calendar_and_each_runs_period(people):
    s = ReportSchedule(frequency="daily", hour=7)
    assert reports.next_run(s, at(2026, 11, 18, 6, 59)) == at(2026, 11, 18, 7)
    assert reports.next_run(s, at(2026, 11, 18, 7)) == at(2026, 11, 19, 7)
    assert reports.period_for(s, at(2026, 11, 19, 7)) == (dt.date(2026, 11, 18), dt.date(2026, 11, 18))
    s = ReportSchedule(frequency="weekly", weekday=1, hour=8)
    assert reports.next_run(s, at(2026, 11, 18, 12)) == at(2026, 11, 23, 8)  # the next Monday
    assert reports.period_for(s, at(2026, 11, 23, 8)) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    s = ReportSchedule(frequency="monthly", day=1, hour=6)
    assert reports.next_run(s, at(2026, 12, 1, 6, 30)) == at(2027, 1, 1, 6)
    assert reports.period_for(s, at(2027, 1, 1, 6)) == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))


def test_a_due_schedule_mails_its_xlsx_and_logs_the_run(people, smtp):
    units = people["units"]
    created = at(2026, 11, 18, 9)
    schedule = reports.schedule_save(owner=people["tn"], name="天宁日报", kind="compliance", fmt="xlsx",
                                     units=[units["CZ-TN"], units["CZ-TN-01"]], recipients=["chief@bureau.test",
                                                                                             "tn@bureau.test"],
                                     frequency="daily", hour=7, params={"standard": "jiangsu"}, now=created)
    assert schedule.next_run_at == at(2026, 11, 19, 7)
    assert reports.schedules_run_due(now=at(2026, 11, 19, 6, 59)) == 0
    assert reports.schedules_run_due(now=at(2026, 11, 19, 7, 1)) == 1
    assert reports.schedules_run_due(now=at(2026, 11, 19, 7, 2)) == 0  # moved on to the next day
    schedule.refresh_from_db()
    assert schedule.next_run_at == at(2026, 11, 20, 7)
    (run,) = ReportRun.objects.all()
    assert run.status == RunStatus.OK and run.period_start == run.period_end == dt.date(2026, 11, 18)
    assert sorted(run.files.values_list("filename", flat=True)) == ["compliance-CZ-TN-01-2026-11-18.xlsx",
                                                                     "compliance-CZ-TN-2026-11-18.xlsx"]
    assert services.deliveries_send(now=timezone.now())["sent"] == 2
    (mail,) = smtp.to("chief@bureau.test")
    assert "合规核查报告" in mail["Subject"] and "天宁日报" in mail["Subject"]
    attachments = {part.get_filename(): part for part in mail.iter_attachments()}
    assert sorted(attachments) == sorted(run.files.values_list("filename", flat=True))
    part = attachments["compliance-CZ-TN-2026-11-18.xlsx"]
    assert part.get_content_type() == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(part.get_content()))
    cells = [str(c.value) for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value]
    assert "2026-11-18" in " ".join(cells) and any("天宁大队" in c for c in cells)
    assert len(smtp.to("tn@bureau.test")) == 1
    # the run log, through the API and the page
    client = APIClient()
    client.force_authenticate(people["tn"])
    body = client.get("/api/v1/report-runs/").json()
    (row,) = body["results"]
    assert row["status"] == "ok" and {d["target"] for d in row["deliveries"]} == {"chief@bureau.test",
                                                                                 "tn@bureau.test"}
    assert all(d["status"] == "sent" for d in row["deliveries"])
    other = APIClient()
    other.force_authenticate(people["wj"])
    assert other.get("/api/v1/report-runs/").json()["results"] == []
    web = Client()
    web.force_login(people["tn"])
    page = web.get(f"/reports/schedules/{schedule.pk}/runs/")
    assert page.status_code == 200 and "compliance-CZ-TN-2026-11-18.xlsx" in page.content.decode()
    file_id = run.files.get(filename="compliance-CZ-TN-2026-11-18.xlsx").pk
    download = web.get(f"/reports/files/{file_id}/")
    assert download.status_code == 200 and download.content == part.get_content()
    web.force_login(people["wj"])
    assert web.get(f"/reports/files/{file_id}/").status_code == 404


def test_a_trip_report_can_be_scheduled_too(people, smtp):
    schedule = reports.schedule_save(owner=people["tn"], name="周行程", kind="journeys", fmt="csv",
                                     units=[people["units"]["CZ-TN"]], recipients=["tn@bureau.test"],
                                     frequency="weekly", weekday=1, hour=8, now=at(2026, 11, 18, 9))
    run = reports.schedule_run(schedule=schedule, moment=schedule.next_run_at)
    assert run.status == RunStatus.OK, run.error
    assert (run.period_start, run.period_end) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert run.files.get().filename == "journeys-CZ-TN-2026-11-16_2026-11-22.csv"


@pytest.mark.parametrize(("kind", "fmt", "magic"), [("summary", "xlsx", b"PK"), ("mileage", "pdf", b"%PDF"),
                                                   ("online", "csv", "\ufeff".encode())])
def test_the_fleet_reports_are_kinds_of_the_registry(people, kind, fmt, magic):
    schedule = reports.schedule_save(owner=people["tn"], name=kind, kind=kind, fmt=fmt,
                                     units=[people["units"]["CZ-TN"]], recipients=["tn@bureau.test"],
                                     frequency="monthly", day=1, hour=6, now=at(2026, 11, 18, 9))
    run = reports.schedule_run(schedule=schedule, moment=schedule.next_run_at)
    assert run.status == RunStatus.OK, run.error
    (item,) = run.files.all()
    assert item.filename == f"{kind}-CZ-TN-2026-11-01_2026-11-30.{fmt}" and bytes(item.content).startswith(magic)
    assert run.deliveries.get().target == "tn@bureau.test"


def test_schedules_refuse_units_outside_the_scope_bad_formats_and_recipients(people):
    units = people["units"]
    common = {"owner": people["tn"], "name": "x", "kind": "compliance", "frequency": "daily"}
    with pytest.raises(OutOfScope):
        reports.schedule_save(**common, fmt="xlsx", units=[units["CZ-WJ"]], recipients=["a@b.test"])
    with pytest.raises(DomainError, match="格式 'gpx'"):
        reports.schedule_save(**common, fmt="gpx", units=[units["CZ-TN"]], recipients=["a@b.test"])
    with pytest.raises(DomainError, match="不是电子邮件地址"):
        reports.schedule_save(**common, fmt="xlsx", units=[units["CZ-TN"]], recipients=["a@b.test\nBcc: x@y"])
    with pytest.raises(DomainError, match="standard"):
        reports.schedule_save(**common, fmt="xlsx", units=[units["CZ-TN"]], recipients=["a@b.test"],
                              params={"standard": "nowhere"})
    client = APIClient()
    client.force_authenticate(people["tn"])
    refused = client.post("/api/v1/report-schedules/", {"name": "x", "kind": "compliance", "format": "xlsx",
                                                        "units": ["CZ-WJ"], "frequency": "daily",
                                                        "recipients": ["a@b.test"]}, format="json")
    assert refused.status_code == 403 and not ReportSchedule.objects.exists()
    made = client.post("/api/v1/report-schedules/", {"name": "月报", "kind": "compliance", "format": "pdf",
                                                     "units": ["CZ-TN-01"], "frequency": "monthly", "day": 1,
                                                     "hour": 6, "recipients": ["a@b.test"],
                                                     "params": {"standard": "model"}}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["units"] == ["CZ-TN-01"] and made.json()["params"] == {"standard": "model"}
    assert made.json()["next_run_at"] is not None


def test_a_run_for_a_unit_that_left_the_owners_scope_is_logged_as_failed(people):
    units = people["units"]
    schedule = reports.schedule_save(owner=people["tn"], name="x", kind="compliance", fmt="csv",
                                     units=[units["CZ-TN"]], recipients=["a@b.test"], frequency="daily")
    profile = people["tn"].qm_profile
    profile.unit = units["CZ-WJ"]
    profile.save()
    people["tn"].refresh_from_db()
    run = reports.schedule_run(schedule=ReportSchedule.objects.get(pk=schedule.pk), moment=at(2026, 11, 19, 8))
    assert run.status == RunStatus.FAILED and "管辖范围" in run.error
    assert not run.files.exists() and not run.deliveries.exists()
