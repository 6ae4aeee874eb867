"""Runs every benchmark module in bench/ (those defining main()) one after another; `make bench`."""
import importlib
import pkgutil
import sys
import time

import bench


def main() -> int:
    failed = []
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if info.name in ("run_all", "common") or info.name.startswith("_"):
            continue
        if info.name == "cluster":  # needs Debian's rabbitmq-server: `make cluster-test` runs it
            print("== bench.cluster: run by `make cluster-test` (RabbitMQ)", flush=True)
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if not hasattr(module, "main"):
            continue
        print(f"== bench.{info.name}", flush=True)
        started = time.monotonic()
        try:
            module.main([])
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            failed.append(info.name)
            print(f"   FAILED: {exc!r}", flush=True)
        print(f"   ({time.monotonic() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
