"""A JT/T 808 gateway (`telematics.tracking.jt808.Gateway`) in the test process, on its own event loop thread."""
from __future__ import annotations

import asyncio
import threading

from telematics.tracking import jt808


class GatewayThread:
    """A Gateway on a free port, publishing under `prefix`; stop() ends it."""

    def __init__(self, url: str, prefix: str):
        self.gateway = jt808.Gateway(url=url, prefix=prefix, host="127.0.0.1", port=0)
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=lambda: self.loop.run_until_complete(
            self.gateway.serve(lambda gw: started.set())), daemon=True)
        self.thread.start()
        if not started.wait(10):
            raise AssertionError("the JT/T 808 gateway did not start")
        self.port = self.gateway.port

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.gateway.stop)
        self.thread.join(10)
