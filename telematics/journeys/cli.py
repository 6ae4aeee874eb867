"""What `qm track` and `qm trips` share: the period options, the language of human formats, the output."""
from __future__ import annotations

import os

from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext


def add_period_arguments(parser) -> None:
    parser.add_argument("--from", dest="start", help="from this moment on (ISO date or date-time; local time "
                                                     "Asia/Shanghai without an offset)")
    parser.add_argument("--to", dest="end", help="until this moment (excluded; a date alone: to the end of that day)")
    parser.add_argument("--output", help="file to write (default: standard output)")


def add_purpose_arguments(parser) -> None:
    """PIPL art. 28 (telematics/privacy.py): why the track is read, for windows outside duty hours or older than
    QM_TRACK_PURPOSE_AFTER_DAYS. Optional (the SPEC's flags stay as they are); the view is logged either way."""
    parser.add_argument("--purpose", help="why this track is read (logged for the auditors)")
    parser.add_argument("--case", dest="case_no", help="the case number the reading serves (logged with the purpose)")


def language(lang: str | None):
    """Human formats speak `--lang`, else QM_LANGUAGE, else Chinese (a context for the command's work)."""
    lang = (lang or os.environ.get("QM_LANGUAGE") or "zh-hans").lower()
    return translation.override("en" if lang.startswith("en") else "zh-hans")


def write_output(command, body: bytes, output: str | None) -> None:
    if output:
        try:
            with open(output, "wb") as fh:
                fh.write(body)
        except OSError as exc:
            raise CommandError(gettext("无法写入 %(file)s：%(error)s") % {
                "file": output, "error": exc}) from None
        return
    target = command.stdout._out
    if hasattr(target, "buffer"):  # a real stream: bytes as they are (XLSX too)
        target.flush()
        target.buffer.write(body)
        target.buffer.flush()
    else:
        try:
            target.write(body.decode("utf-8"))
        except UnicodeDecodeError:
            target.write(body)
