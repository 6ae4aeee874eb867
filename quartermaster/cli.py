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


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartermaster.settings")
    language, args = _leading_language(list(sys.argv[1:] if argv is None else argv))
    if language:
        os.environ["QM_LANGUAGE"] = language
    if args and args[0] in OWNER_COMMANDS and os.environ.get("QM_MIGRATION_DATABASE_URL"):
        os.environ["QM_DATABASE_URL"] = os.environ["QM_MIGRATION_DATABASE_URL"]
    import django
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
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
        execute_from_command_line(["qm", *args])


if __name__ == "__main__":
    main()
