"""How every browser test launches Debian's Chromium (headless, the flags this project requires), and how it
reaches the database while Playwright's sync API runs."""
import contextlib
import os
from concurrent.futures import ThreadPoolExecutor

from django.db import connections


def _browser_env() -> dict[str, str]:
    """The environment without libfaketime: `make test-future` moves the server's clock, and Chromium under
    libfaketime takes a minute and a half to start a page (its clock stays real; the pages take theirs from the
    server)."""
    return {k: v for k, v in os.environ.items() if k != "LD_PRELOAD" and not k.startswith("FAKETIME")}


CHROMIUM = {"executable_path": "/usr/bin/chromium",
            "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
            "env": _browser_env()}


@contextlib.contextmanager
def orm_allowed_under_playwright():
    """Playwright's sync API keeps an event loop on the test thread; Django would then refuse every query from
    the test ("async context") although nothing runs concurrently on that loop. Restored on leaving."""
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def orm_off_loop(work):
    """Runs ORM work on a plain thread and closes its connection.

    Under Playwright's sync API the test thread has a running event loop, so Django either refuses the query or,
    told to allow it, opens a second connection in that loop's context that nothing closes (which later blocks
    dropping the test database)."""
    def run():
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(run).result()
