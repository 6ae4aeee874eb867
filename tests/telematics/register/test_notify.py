"""The use register is a kind of the scheduled reports (quartermaster.notify): a monthly run on the 1st renders the
register of the month just ended for the owner's scope."""
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from quartermaster.notify import reports
from quartermaster.notify.choices import RunStatus
from tests.support.fixtures import make_user

pytestmark = pytest.mark.django_db


def test_the_monthly_register_is_a_scheduled_report(booked):
    owner = make_user("fleet-sched", "fleet", booked["units"]["CZ-TN"])
    owner.email = "tn@bureau.test"
    owner.save(update_fields=["email"])
    schedule = reports.schedule_save(owner=owner, name="使用登记月报", kind="register", fmt="xlsx",
                                     units=[booked["units"]["CZ-TN"]], recipients=["tn@bureau.test"],
                                     frequency="monthly", day=1, hour=6,
                                     now=dt.datetime(2026, 11, 18, 9, tzinfo=ZoneInfo("Asia/Shanghai")))
    run = reports.schedule_run(schedule=schedule, moment=schedule.next_run_at)
    assert run.status == RunStatus.OK, run.error
    (item,) = run.files.all()
    book = load_workbook(io.BytesIO(bytes(item.content)))
    assert book.worksheets[0]["A1"].value == "公务用车使用登记表　天宁大队（CZ-TN）　2026-11"
    totals = book.worksheets[1]
    assert totals.cell(totals.max_row, 1).value == "合计"
    header = [c.value for c in totals[2]]
    assert totals.cell(totals.max_row, header.index("费用合计（元）") + 1).value == 85.0
