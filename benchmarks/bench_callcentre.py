"""Time the call-centre computations against baselines measured in the same run.

Usage::

    .venv/bin/python benchmarks/bench_callcentre.py [--repeat 3] [--calls 100000]

1. Erlang C for the agents an interval needs, at 100 to 10,000 calls per half hour (AHT 300 s),
   three ways: ``crm_lab.callcentre.erlang_c`` (the Erlang-B recursion), the textbook formula
   with ``math.factorial`` in floating point (overflows past about 170 agents), and the same
   formula in exact rational arithmetic (``fractions.Fraction``; the correct but slow
   reference). The relative difference to the exact value is printed.
2. ``required_agents`` (Erlang C and Erlang A) at the same volumes.
3. ``simulate_calls`` against a simpy 4 model of the same queue (FIFO Resource, patience
   timer) on a stationary centre, in calls simulated per second.

Nothing is asserted: speed is reported, not tested.
"""

from __future__ import annotations

import argparse
import math
from fractions import Fraction

import numpy as np
from _common import best_of

from crm_lab.callcentre import erlang_c, required_agents, simulate_calls


def factorial_float(n: int, a: float) -> float | str:
    try:
        top = a**n / math.factorial(n) * n / (n - a)
        return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    except OverflowError as e:
        return f"OverflowError ({e})"


def factorial_exact(n: int, a: Fraction) -> float:
    terms = [Fraction(1)]
    for k in range(1, n):
        terms.append(terms[-1] * a / k)
    top = terms[-1] * a / n * n / (n - a)
    return float(top / (sum(terms) + top))


def simpy_seconds(n_calls: int, agents: int, seed: int = 0) -> float | str:
    try:
        import simpy
    except ImportError:
        return "not timed: simpy not installed"
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.exponential(18.0, n_calls))
    handle = rng.lognormal(np.log(180) - 0.35, math.sqrt(math.log(2)), n_calls)
    patience = rng.exponential(120.0, n_calls)

    def run():
        env = simpy.Environment()
        res = simpy.Resource(env, capacity=agents)

        def caller(i):
            req = res.request()
            got = yield req | env.timeout(patience[i])
            if req not in got:
                req.cancel()
                return
            yield env.timeout(handle[i])
            res.release(req)

        def source():
            for i in range(n_calls):
                yield env.timeout(t[i] - env.now)
                env.process(caller(i))

        env.process(source())
        env.run()

    return best_of(run, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--calls", type=int, default=100_000)
    args = ap.parse_args()

    print("1. Erlang C at the agents each volume needs (AHT 300 s, 80 % in 20 s)")
    print(f"{'calls/30 min':>12s} {'agents':>6s} {'recursion s':>11s} {'exact s':>9s} "
          f"{'ratio':>7s} {'rel. diff':>9s}  factorial in floats")
    for calls in (100, 1_000, 10_000):
        n = int(required_agents(calls, 300)["agents"])
        a = calls * 300 / 1800
        t_rec = best_of(lambda n=n, a=a: erlang_c(n, a), args.repeat)
        exact_a = Fraction(calls * 300, 1800)
        t_exact = best_of(lambda n=n, ea=exact_a: factorial_exact(n, ea), 1)
        exact = factorial_exact(n, exact_a)
        fl = factorial_float(n, a)
        fl_txt = fl if isinstance(fl, str) else f"rel. diff {abs(fl / exact - 1):.1e}"
        print(f"{calls:12,d} {n:6d} {t_rec:11.5f} {t_exact:9.4f} {t_exact / t_rec:7.0f} "
              f"{abs(erlang_c(n, a) / exact - 1):9.1e}  {fl_txt}")

    print("\n2. required_agents (search from the load upward, Erlang B updated per agent)")
    for calls in (100, 1_000, 10_000):
        t_c = best_of(lambda c=calls: required_agents(c, 300), args.repeat)
        t_a = best_of(lambda c=calls: required_agents(c, 300, patience=180), args.repeat)
        print(f"{calls:12,d} calls: Erlang C {t_c:8.4f} s, Erlang A {t_a:8.4f} s")

    print(f"\n3. simulator, {args.calls:,} calls, 10 agents, 100 calls per half hour")
    intervals = max(1, args.calls // 100)
    t_ours = best_of(lambda: simulate_calls(np.full(intervals, 100.0), 10, patience=120,
                                            seed=0), 1)
    t_simpy = simpy_seconds(args.calls, 10)
    print(f"{'simulate_calls':>20s} {t_ours:8.3f} s  {args.calls / t_ours:10,.0f} calls/s")
    if isinstance(t_simpy, str):
        print(f"{'simpy 4':>20s} {t_simpy}")
    else:
        print(f"{'simpy 4':>20s} {t_simpy:8.3f} s  {args.calls / t_simpy:10,.0f} calls/s  "
              f"(ratio simpy / ours {t_simpy / t_ours:.1f})")


if __name__ == "__main__":
    main()
