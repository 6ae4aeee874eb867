"""`qm mqtt acl`: a Mosquitto password file and ACL from the registry (see telematics/tracking/acl.py)."""
import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from quartermaster.errors import DomainError

from ...acl import mqtt_acl_write


class Command(BaseCommand):
    help = "MQTT security: `acl` writes a Mosquitto password file and ACL so each terminal publishes only its own topic."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        acl = sub.add_parser("acl", help="write password_file and acl_file for Mosquitto from the registry")
        acl.add_argument("--password-file", required=True, type=Path, help="Mosquitto password_file to write")
        acl.add_argument("--acl-file", required=True, type=Path, help="Mosquitto acl_file to write")
        acl.add_argument("--config-file", type=Path, default=None,
                         help="Mosquitto settings to include: allow_anonymous false, password_file, acl_file "
                              "(default: qm.conf beside the ACL file)")
        acl.add_argument("--ingest-user", default="ingest", help="the ingest's user name (default ingest)")
        acl.add_argument("--ingest-password", default=os.environ.get("QM_MQTT_INGEST_PASSWORD", ""),
                         help="the ingest's password (default: QM_MQTT_INGEST_PASSWORD)")
        acl.add_argument("--secret", default=os.environ.get("QM_MQTT_SECRET", ""),
                         help="secret the terminals' passwords are derived from (default: QM_MQTT_SECRET)")
        acl.add_argument("--dock", action="append", default=[], help="a docking station id (repeatable)")
        acl.add_argument("--credentials", type=Path, default=None,
                         help="also write user,password of every terminal and dock (CSV, mode 600) for provisioning")
        acl.add_argument("--prefix", default=None, help="topic prefix; default: QM_TOPIC_PREFIX")
        acl.add_argument("--gateway-user", default="",
                         help="the JT/T 808 gateway's user (`qm jt808`): may publish the phone-number terminals' "
                              "positions")
        acl.add_argument("--gateway-password", default=os.environ.get("QM_MQTT_GATEWAY_PASSWORD", ""),
                         help="its password (default: QM_MQTT_GATEWAY_PASSWORD)")

    def handle(self, *args, **options):
        try:
            result = mqtt_acl_write(password_file=options["password_file"], acl_file=options["acl_file"],
                                    prefix=options["prefix"] or settings.QM_TOPIC_PREFIX,
                                    ingest_user=options["ingest_user"], ingest_password=options["ingest_password"],
                                    secret=options["secret"], docks=options["dock"],
                                    credentials_file=options["credentials"], config_file=options["config_file"],
                                    gateway_user=options["gateway_user"],
                                    gateway_password=options["gateway_password"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(f"{result.terminals} terminals, {result.docks} docks, 1 ingest user: "
                          f"{options['password_file']}, {options['acl_file']}; include {result.config_file} in "
                          f"mosquitto.conf (allow_anonymous false)")
