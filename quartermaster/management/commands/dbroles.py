"""`qm dbroles`: grants the PostgreSQL runtime role its privileges (read/insert only on append-only tables)."""
import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from quartermaster import dbroles


class Command(BaseCommand):
    help = ("Grant the runtime role (QM_DATABASE_RUNTIME_ROLE, or --role) SELECT/INSERT/UPDATE/DELETE on the "
            "registry's tables but only SELECT/INSERT on the append-only ones. Run as the migration owner "
            "(QM_MIGRATION_DATABASE_URL); `qm migrate` re-grants by itself when QM_DATABASE_RUNTIME_ROLE is set.")

    def add_arguments(self, parser):
        parser.add_argument("--role", default="", help="role name (default: QM_DATABASE_RUNTIME_ROLE)")
        parser.add_argument("--create", action="store_true",
                            help="create the role first, as a login role, when it does not exist (needs CREATEROLE; "
                                 "its password from the environment variable QM_DATABASE_RUNTIME_PASSWORD)")

    def handle(self, *args, role="", create=False, **options):
        role = role or settings.QM_DATABASE_RUNTIME_ROLE
        if not role:
            raise CommandError(_("请指定运行角色：--role 角色名，或设置 QM_DATABASE_RUNTIME_ROLE"))
        try:
            if create and not dbroles.role_exists(dbroles.check_role_name(role)):
                dbroles.create_role(role, os.environ.get("QM_DATABASE_RUNTIME_PASSWORD", ""))
                self.stdout.write(_("已创建角色 %(role)s") % {"role": role})
            for statement in dbroles.grant_runtime_role(role):
                self.stdout.write(statement + ";")
        except dbroles.RoleError as exc:
            raise CommandError(str(exc)) from None
