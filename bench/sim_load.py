"""Benchmark of the simulators: message generation rate of the fleet simulation, and the load mode's achieved
publish rate through a private Mosquitto (QoS 0 and 1, single fixes and arrays)."""
import argparse
import datetime as dt
import time

from bench.common import setup_django


def main(argv=None):
    parser = argparse.ArgumentParser(prog="bench.sim_load")
    parser.add_argument("--full", action="store_true", help="the issue's size: 10,000 terminals, 10 s per case")
    parser.add_argument("--terminals", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rate", type=float, default=20000.0, help="target msg/s (set high to find the ceiling)")
    args = parser.parse_args(argv)
    if args.full:
        args.terminals, args.seconds = 10_000, 10.0
    setup_django()
    from simulators.city import sample_city_map
    from simulators.duty import DutyBook
    from simulators.engine import SimConfig, Simulation
    from simulators.fleet import synthetic_fleet
    from simulators.load import run_load
    from simulators.plan import CST
    from tests.support.mqtt import MosquittoBroker

    city = sample_city_map(1)
    start = dt.datetime(2026, 11, 18, 7, tzinfo=CST)
    fleet = synthetic_fleet(50, sorted(c for c in city.jurisdictions if c.count("-") == 2))
    sim = Simulation(city=city, fleet=fleet, duty_book=DutyBook.standard(),
                     config=SimConfig(start=start, end=start + dt.timedelta(hours=4)))
    t0 = time.perf_counter()
    n = sum(1 for _ in sim.messages())
    took = time.perf_counter() - t0
    print(f"fleet simulation: 50 vehicles x 4 simulated hours = {n} messages generated in {took:.2f} s "
          f"({n / took:.0f} msg/s, {4 * 3600 * 50 / took:.0f} vehicle-seconds/s)")
    broker = MosquittoBroker()
    broker.start()
    try:
        for qos, batch in ((0, 1), (1, 1), (1, 10)):
            report = run_load(broker.url, args.terminals, args.rate, args.seconds, qos=qos, batch=batch)
            print(f"load mode: {report}")
    finally:
        broker.stop()


if __name__ == "__main__":
    main()
