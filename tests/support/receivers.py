"""Local stand-ins for the outside world of notify, on loopback only: a real SMTP server (aiosmtpd) and an HTTP
receiver that checks the 企业微信 / 钉钉 group robots' message format (and 钉钉's signature) as those services do."""
from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import hmac
import json
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    """aiosmtpd in a thread: `messages` holds each accepted mail (email.message.EmailMessage, envelope rcpt);
    `fail_next` answers that many DATA commands with a temporary failure (451)."""

    def __init__(self):
        self.messages: list = []
        self.fail_next = 0
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):
        if self.fail_next > 0:
            self.fail_next -= 1
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message})
        return "250 OK"

    def start(self) -> SmtpServer:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def to(self, address: str) -> list:
        return [m["message"] for m in self.messages if address in m["to"]]


@dataclass
class RobotReceiver:
    """One HTTP server for both robots: POST /wecom/send?key=K and POST /dingtalk/send?access_token=T[&timestamp&sign].
    Each request is checked as the real services do and answered with their JSON (errcode 0 = ok). `secrets` maps a
    钉钉 access token to its signing secret (a signed robot); `fail_next` answers that many requests with HTTP 500."""

    secrets: dict = field(default_factory=dict)
    received: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    fail_next: int = 0

    def start(self) -> RobotReceiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):
                url = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.fail_next > 0:
                    receiver.fail_next -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                answer = receiver.check(url.path, query, body, self.headers.get("Content-Type", ""))
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _refuse(self, path, errcode, errmsg):
        self.rejected.append((path, errcode, errmsg))
        return {"errcode": errcode, "errmsg": errmsg}

    def check(self, path: str, query: dict, raw: bytes, content_type: str) -> dict:
        if not content_type.startswith("application/json"):
            return self._refuse(path, 40035, "invalid content type")
        try:
            body = json.loads(raw.decode("utf-8"))
        except ValueError:
            return self._refuse(path, 40035, "invalid json")
        if path == "/wecom/send":
            # 企业微信: markdown.content, UTF-8 at most 4096 bytes, a key in the query
            if not query.get("key"):
                return self._refuse(path, 93000, "invalid webhook url")
            md = body.get("markdown")
            if body.get("msgtype") != "markdown" or set(body) != {"msgtype", "markdown"} or not isinstance(md, dict) \
                    or set(md) != {"content"} or not isinstance(md["content"], str) or not md["content"] \
                    or len(md["content"].encode("utf-8")) > 4096:
                return self._refuse(path, 40008, "invalid message type")
        elif path == "/dingtalk/send":
            token = query.get("access_token")
            if not token:
                return self._refuse(path, 300001, "token is not exist")
            secret = self.secrets.get(token)
            if secret is not None:
                ts, sign = query.get("timestamp", ""), query.get("sign", "")
                if not ts.isdigit() or abs(int(ts) - time.time() * 1000) > 3600_000:
                    return self._refuse(path, 310000, "timestamp invalid")
                expected = base64.b64encode(hmac.new(secret.encode(), f"{ts}\n{secret}".encode(),
                                                     hashlib.sha256).digest()).decode()
                if not hmac.compare_digest(sign, expected):  # parse_qsl has already URL-decoded it
                    return self._refuse(path, 310000, "sign not match")
            md = body.get("markdown")
            if body.get("msgtype") != "markdown" or not isinstance(md, dict) or set(md) != {"title", "text"} \
                    or not all(isinstance(md[k], str) and md[k] for k in ("title", "text")):
                return self._refuse(path, 40035, "invalid parameter")
        else:
            return self._refuse(path, 404, "no such robot")
        self.received.append({"path": path, "query": query, "body": body})
        return {"errcode": 0, "errmsg": "ok"}
