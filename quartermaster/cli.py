"""The `qm` console script: every Django management command, run as the CLI source of change."""
import getpass
import os
import sys

# Commands that change the schema or the grants: they connect as the migration owner when one is configured.
OWNER_COMMANDS = frozenset({"migrate", "dbroles"})


def port_number(text: str) -> int:
    """argparse type of a TCP port (--port, --jt808-port): 0..65535 (0: any free port), refused as a usage error,
    not a traceback."""
    import argparse

    from django.utils.translation import gettext

    try:
        port = int(text)
    except ValueError:
        port = -1  # refused below
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(gettext("端口应为 0 到 65535 之间的整数，而不是 %(value)s") % {"value": text})
    return port


def positive_int(text: str) -> int:
    """argparse type of a count (--limit): a whole number ≥ 1."""
    import argparse

    from django.utils.translation import gettext

    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(gettext("应为正整数，而不是 %(value)s") % {"value": text})
    return number


def _leading_language(args: list[str]) -> tuple[str | None, list[str]]:
    """`qm --lang en COMMAND …`: the language of messages and reports, before the command's name."""
    if args and args[0].startswith("--lang="):
        return args[0].split("=", 1)[1], args[1:]
    if len(args) >= 2 and args[0] == "--lang":
        return args[1], args[2:]
    return None, args


LANG_HELP = """
usage: qm [--lang {zh-hans,en}] COMMAND [options]

--lang en   errors, progress lines and reports in English (default: QM_LANGUAGE, else zh-hans); before the
            command's name. Settings come from QM_* environment variables (README "Settings").
"""


def _argparse_messages() -> dict:
    """argparse's own refusals (an unknown --format value, a missing argument, a flag that takes none…) as catalogued
    Chinese templates, English in the catalogue: argparse itself only speaks English."""
    from django.utils.translation import gettext_lazy as _

    return {
        "%(prog)s: error: %(message)s\n": _("%(prog)s：错误：%(message)s\n"),
        "argument %(argument_name)s: %(message)s": _("参数 %(argument_name)s：%(message)s"),
        "invalid choice: %(value)r (choose from %(choices)s)": _("无效的值 %(value)r（可选：%(choices)s）"),
        "invalid %(type)s value: %(value)r": _("无效的 %(type)s 值：%(value)r"),
        "the following arguments are required: %s": _("缺少必需的参数：%s"),
        "unrecognized arguments: %s": _("无法识别的参数：%s"),
        "expected one argument": _("须给出一个值"),
        "expected at most one argument": _("最多给出一个值"),
        "expected at least one argument": _("须给出至少一个值"),
        "expected %s argument": _("须给出 %s 个值"),
        "not allowed with argument %s": _("不能与参数 %s 同时使用"),
        "one of the arguments %s is required": _("须给出参数 %s 之一"),
        "ignored explicit argument %r": _("该选项不接受值：%r"),
        "ambiguous option: %(option)s could match %(matches)s": _("有歧义的选项：%(option)s 可以是 %(matches)s"),
    }


class _ArgparseInLanguage:
    """While a command runs, argparse's messages in the command line's language (restored afterwards)."""

    def __enter__(self):
        import argparse

        messages = _argparse_messages()
        self.saved = argparse._, argparse.ngettext
        plain, plural = self.saved

        def gettext(text):
            return str(messages[text]) if text in messages else plain(text)

        def ngettext(singular, plural_text, n):
            return str(messages[singular]) if singular in messages else plural(singular, plural_text, n)

        argparse._, argparse.ngettext = gettext, ngettext
        return self

    def __exit__(self, *exc):
        import argparse

        argparse._, argparse.ngettext = self.saved
        return False


def _Utility(argv):
    """Django's command runner, its main help (`qm`, `qm help`, `qm --help`) naming the leading --lang."""
    from django.core.management import ManagementUtility

    class Utility(ManagementUtility):
        def main_help_text(self, commands_only=False):
            text = super().main_help_text(commands_only)
            return text if commands_only else LANG_HELP + text

    return Utility(argv)


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartermaster.settings")
    language, args = _leading_language(list(sys.argv[1:] if argv is None else argv))
    if language:
        os.environ["QM_LANGUAGE"] = language
    if args and args[0] in OWNER_COMMANDS and os.environ.get("QM_MIGRATION_DATABASE_URL"):
        os.environ["QM_DATABASE_URL"] = os.environ["QM_MIGRATION_DATABASE_URL"]
    import django
    from django.apps import apps
    from django.core.exceptions import ImproperlyConfigured

    try:
        # Once per process: a second setup (the tests call main() in-process) would bind the logging handlers to
        # that moment's stderr, which pytest closes after the test ("I/O operation on closed file" later on).
        if not apps.ready:
            django.setup()
    except ImproperlyConfigured as exc:  # the settings refused the environment (QM_ENV=production): say why
        sys.stderr.write(f"qm: {exc}\n")
        sys.exit(2)
    from django.conf import settings
    from django.utils import translation

    from quartermaster.context import change_context

    # Errors and reports speak --lang, else QM_LANGUAGE (zh-hans unless set); the system check refuses an unknown
    # QM_LANGUAGE, and an unknown --lang falls back to the site's language.
    chosen = language or settings.QM_LANGUAGE
    translation.activate(chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE)

    try:
        username = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        username = "cli"
    with change_context(source="cli", username=username):
        with _ArgparseInLanguage():
            _Utility(["qm", *args]).execute()


if __name__ == "__main__":
    main()
