"""The `qm` console script: every Django management command, run as the CLI source of change."""
import getpass
import os
import sys

# Commands that change the schema or the grants: they connect as the migration owner when one is configured.
OWNER_COMMANDS = frozenset({"migrate", "dbroles"})


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quartermaster.settings")
    args = list(sys.argv[1:] if argv is None else argv)
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
    from quartermaster.context import change_context

    try:
        username = getpass.getuser()
    except Exception:  # no passwd entry in some containers
        username = "cli"
    with change_context(source="cli", username=username):
        execute_from_command_line(["qm", *args])


if __name__ == "__main__":
    main()
