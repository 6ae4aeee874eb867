"""Mosquitto credentials and ACL from the registry (`qm mqtt acl`).

Each terminal logs in with its terminal id as user name and may publish only to its own topic
(`{prefix}/terminals/{id}/position`, or `owntracks/{user}/{device}` for an OwnTracks phone); each docking
station (given by id) only to `{prefix}/docks/{id}/offload`; only the ingest user may subscribe to those topics
(and publish the alerts). Anything not granted is denied by Mosquitto once `acl_file` is set. The JT/T 808
gateway's user (`--gateway-user`) may publish the position topics of the terminals whose id is a phone number
(12 or 20 digits, or the lowercase hex digits of a terminal that puts a non-BCD id in its header) and the
answers to platform commands, and read the commands (which the ingest user may send).

The command also writes the Mosquitto settings that make these files count (`--config-file`, default `qm.conf`
beside the ACL file): `allow_anonymous false`, `password_file` and `acl_file`. Without `allow_anonymous false`
a client that sends no user name at all is let in, and anonymous clients are not bound by the users' ACL entries.

A terminal's password is derived from a secret (HMAC-SHA256 of the terminal id), so re-running after vehicles
change keeps every existing terminal's password and the terminals need no re-provisioning. The password file
uses Mosquitto 2's PBKDF2-SHA512 `$7$` format, written here so the command needs no mosquitto_passwd binary.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from quartermaster.errors import DomainError
from telematics.models import Vehicle

from .ingest import terminal_topic

PBKDF2_ITERATIONS = 101  # mosquitto_passwd's default
_FORBIDDEN = set("+#\x00:\n\r ")


@dataclass(frozen=True)
class AclResult:
    terminals: int
    docks: int
    credentials: dict[str, str]  # user -> password (terminals and docks)
    config_file: Path  # the Mosquitto settings (allow_anonymous false, password_file, acl_file)


def _header_phone(terminal_id: str) -> bool:
    """A terminal id the JT/T 808 gateway can publish for: a header's phone number as 12 (2013) or 20 (2019) digits,
    or the hex digits of a terminal that puts a non-BCD id there (decoders.jt808.phone_digits)."""
    return len(terminal_id) in (12, 20) and all(c in "0123456789abcdef" for c in terminal_id)


def terminal_password(*, secret: str, user: str) -> str:
    digest = hmac.new(secret.encode(), user.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:15]).decode().lower()


def password_hash(password: str, *, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(12)
    key = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS, 64)
    return f"$7${PBKDF2_ITERATIONS}${base64.b64encode(salt).decode()}${base64.b64encode(key).decode()}"


_USER_KINDS = {
    "ingest user": pgettext_lazy("field", "接收程序用户"),
    "terminal id": pgettext_lazy("field", "终端号"),
    "dock id": pgettext_lazy("field", "采集站编号"),
    "gateway user": pgettext_lazy("field", "网关用户"),
}


def _check_user(user: str, what: str) -> None:
    if not user or _FORBIDDEN & set(user):
        raise DomainError(_("%(what)s %(user)s 不能用作 MQTT 用户名或主题层级（为空，或含有 + # : 空格 换行之一）"),
                          field=what, what=_USER_KINDS.get(what, what), user=repr(user))


def _write(path: Path, text: str) -> None:
    """Whole file or nothing; world-readable, as Mosquitto drops to its own user before reading it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.chmod(0o644)
    os.replace(tmp, path)


def mosquitto_config(*, password_file: Path, acl_file: Path) -> str:
    return "\n".join([
        "# Written by `qm mqtt acl`: Mosquitto's access settings for Quartermaster's terminals and ingest.",
        "# Include it (e.g. from /etc/mosquitto/conf.d/, which Debian's mosquitto.conf reads with include_dir) and",
        "# set no other allow_anonymous: an anonymous client could otherwise publish any terminal's fixes.",
        "allow_anonymous false",
        f"password_file {password_file.resolve()}",
        f"acl_file {acl_file.resolve()}", ""])


def mqtt_acl_write(*, password_file: Path, acl_file: Path, prefix: str, ingest_user: str, ingest_password: str,
                   secret: str, docks: list[str] | None = None, credentials_file: Path | None = None,
                   config_file: Path | None = None, gateway_user: str = "",
                   gateway_password: str = "") -> AclResult:
    """Writes the password file, the ACL and the Mosquitto settings using them (`config_file`, default `qm.conf`
    beside the ACL)."""
    if not secret:
        raise DomainError(_("没有终端密码所用的密钥：请用 --secret 或设置 QM_MQTT_SECRET"), field="secret")
    if not ingest_password:
        raise DomainError(_("没有接收程序用户的密码：请用 --ingest-password"), field="ingest_password")
    _check_user(ingest_user, "ingest user")
    terminals = sorted(Vehicle.objects.filter(terminal_id__isnull=False).exclude(terminal_id="")
                       .values_list("terminal_id", flat=True).distinct())
    for terminal in terminals:
        _check_user(terminal.replace("/", ""), "terminal id")
    docks = sorted(set(docks or []))
    for dock in docks:
        _check_user(dock.replace("/", "_"), "dock id")
        if "/" in dock:
            raise DomainError(_("采集站编号 %(dock)s 含有“/”"), field="dock", dock=repr(dock))
    if gateway_user:
        _check_user(gateway_user, "gateway user")
        if not gateway_password:
            raise DomainError(_("没有 JT/T 808 网关用户的密码：请用 --gateway-password"),
                              field="gateway_password")
    specials = {ingest_user, gateway_user} - {""}
    clash = ((specials & set(terminals)) | (specials & set(docks)) | (set(terminals) & set(docks))
             | ({ingest_user} if ingest_user == gateway_user else set()))
    if clash:
        raise DomainError(_("用户名 %(names)s 重复使用（接收程序用户、终端或采集站）"), field="user",
                          names=", ".join(sorted(clash)))

    credentials = {user: terminal_password(secret=secret, user=user) for user in [*terminals, *docks]}
    lines = [f"{ingest_user}:{password_hash(ingest_password)}"]
    if gateway_user:
        lines.append(f"{gateway_user}:{password_hash(gateway_password)}")
    lines += [f"{user}:{password_hash(password)}" for user, password in credentials.items()]
    acl = ["# Written by `qm mqtt acl`; anything not granted here is denied.",
           f"user {ingest_user}",
           f"topic read {prefix}/terminals/+/position",
           f"topic read {prefix}/docks/+/offload",
           "topic read owntracks/+/+",
           f"topic write {prefix}/alerts/#",
           f"topic write {prefix}/jt808/+/command",
           f"topic read {prefix}/jt808/+/answer", ""]
    for terminal in terminals:
        acl += [f"user {terminal}", f"topic write {terminal_topic(terminal, prefix)}", ""]
    if gateway_user:
        acl += [f"user {gateway_user}", f"topic read {prefix}/jt808/+/command", f"topic write {prefix}/jt808/+/answer"]
        acl += [f"topic write {prefix}/terminals/{t}/position" for t in terminals if _header_phone(t)]
        acl.append("")
    for dock in docks:
        acl += [f"user {dock}", f"topic write {prefix}/docks/{dock}/offload", ""]
    _write(password_file, "\n".join(lines) + "\n")
    _write(acl_file, "\n".join(acl))
    config_file = config_file or acl_file.with_name("qm.conf")
    _write(config_file, mosquitto_config(password_file=password_file, acl_file=acl_file))
    if credentials_file is not None:
        credentials_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = credentials_file.with_name(f".{credentials_file.name}.tmp")
        tmp.write_text("user,password\n" + "".join(f"{u},{p}\n" for u, p in credentials.items()), encoding="utf-8")
        tmp.chmod(0o600)  # the terminals' passwords in clear: for provisioning only
        os.replace(tmp, credentials_file)
    return AclResult(terminals=len(terminals), docks=len(docks), credentials=credentials, config_file=config_file)
