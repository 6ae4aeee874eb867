"""The transports: e-mail through Django's SMTP backend, 企业微信 and 钉钉 group robots over HTTPS (JSON, markdown).

Each `send_*` returns nothing or raises `SendError` with a message free of secrets (the robot's key or access token,
the DingTalk signing secret, the SMTP password are cut from anything an exception says). The message is a Chinese
template with named parameters, rendered when read: the delivery log keeps it in the recipient's language."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_lazy as _

from . import conf

# The robots' own limits: 企业微信 markdown content ≤ 4096 bytes, 钉钉 well above; messages are cut to these.
WECOM_MAX_BYTES = 4000
DINGTALK_MAX_BYTES = 18000
_MARKDOWN_SPECIAL = "\\`*_[]()#+-!|~"


class SendError(Exception):
    """A delivery attempt failed; the message is safe to log and to show. `params` are already cut of secrets."""

    def __init__(self, template, **params):
        super().__init__(template)
        self.template = template
        self.params = params

    def __str__(self) -> str:
        """The message in the active language."""
        return str(self.template) % self.params if self.params else str(self.template)


class PermanentError(SendError):
    """A failure no retry cures (the robot was deleted, its URL is not allowed): the delivery is given up at once."""


def redact(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
            quoted = urllib.parse.quote(secret, safe="")
            if quoted != secret:
                text = text.replace(quoted, "***")
    return text


def url_secrets(url: str) -> list[str]:
    """The parts of a robot URL that grant posting: every query value (key=…, access_token=…)."""
    query = urllib.parse.urlsplit(url).query
    return [value for _name, value in urllib.parse.parse_qsl(query) if value]


def display_url(url: str) -> str:
    """A robot's URL for the log and the pages: host and path, each query value cut to its first 4 characters (a
    real key or token is 36-64 long; a short one is hidden whole)."""
    parts = urllib.parse.urlsplit(url)
    query = "&".join(f"{name}={value[:4] if len(value) >= 16 else ''}***"
                     for name, value in urllib.parse.parse_qsl(parts.query))
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")


def webhook_allowed(url: str) -> bool:
    return url.startswith(conf.webhook_prefixes())


def md_escape(text) -> str:
    """User data (plates, venue names, reasons) in a robot's markdown: no links, headings or HTML of its own."""
    text = str(text).replace("<", "＜").replace(">", "＞").replace("\r", " ").replace("\n", " ")
    return "".join(f"\\{ch}" if ch in _MARKDOWN_SPECIAL else ch for ch in text)


def _cut(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= max_bytes:
        return text
    return data[:max_bytes - 3].decode("utf-8", "ignore") + "…"


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉 加签: base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")), URL-encoded."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest))


def dingtalk_url(url: str, secret: str, timestamp_ms: int | None = None) -> str:
    if not secret:
        return url
    timestamp_ms = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


def wecom_body(title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": _cut(f"### {title}\n{text}", WECOM_MAX_BYTES)}}


def dingtalk_body(title: str, text: str) -> dict:
    return {"msgtype": "markdown", "markdown": {"title": _cut(title, 200),
                                                "text": _cut(f"### {title}\n\n{text}", DINGTALK_MAX_BYTES)}}


def _post_json(url: str, body: dict, secrets: list[str]) -> None:
    if not webhook_allowed(url):
        raise PermanentError(_("机器人地址 %(url)s 不在 QM_NOTIFY_WEBHOOK_PREFIXES 允许的前缀之内"),
                             url=display_url(url))
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=conf.get("QM_NOTIFY_TIMEOUT_S")) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise SendError(_("机器人应答 HTTP %(status)s %(reason)s"), status=exc.code,
                        reason=redact(str(exc.reason), secrets)) from None
    except (urllib.error.URLError, OSError) as exc:
        raise SendError(_("无法连接机器人：%(reason)s"),
                        reason=redact(str(getattr(exc, "reason", exc)), secrets)) from None
    try:
        answer = json.loads(raw or b"{}")
    except ValueError:
        raise SendError(_("机器人的应答不是 JSON")) from None
    if answer.get("errcode") != 0:
        raise SendError(_("机器人拒绝了消息（errcode %(errcode)s）：%(errmsg)s"),
                        errcode=redact(str(answer.get("errcode")), secrets)[:50],
                        errmsg=redact(str(answer.get("errmsg", "")), secrets)[:250])


def send_wecom(*, url: str, title: str, text: str) -> None:
    _post_json(url, wecom_body(title, text), url_secrets(url))


def send_dingtalk(*, url: str, secret: str, title: str, text: str) -> None:
    _post_json(dingtalk_url(url, secret), dingtalk_body(title, text), [*url_secrets(url), secret])


def send_email(*, to: list[str], subject: str, body: str, attachments: list[tuple[str, bytes, str]] = ()) -> None:
    message = EmailMessage(subject=subject.replace("\n", " ").replace("\r", " ")[:250], body=body,
                           from_email=settings.DEFAULT_FROM_EMAIL, to=to)
    for name, content, content_type in attachments:
        message.attach(name, content, content_type)
    try:
        get_connection(fail_silently=False, timeout=conf.get("QM_NOTIFY_TIMEOUT_S")).send_messages([message])
    except (smtplib.SMTPException, OSError) as exc:  # refusals, TLS and network errors: try again later
        raise SendError(_("邮件服务器（SMTP）出错：%(error)s"),
                        error=redact(f"{type(exc).__name__}: {exc}", [settings.EMAIL_HOST_PASSWORD])[:500]) from None
