"""``dse zoo``: list the built-in networks."""

from __future__ import annotations

import argparse

from workloads.zoo import ZOO, build


def register(sub) -> None:
    p = sub.add_parser("zoo", help="list built-in networks", description=__doc__)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    print(f"{'name':<14}{'layers':>7}{'compute':>8}{'GMAC':>9}{'Mweights':>10}  description")
    for name, (_, doc) in ZOO.items():
        g = build(name)
        print(f"{name:<14}{len(g):>7}{len(g.compute_layers()):>8}{g.total_macs / 1e9:>9.3f}"
              f"{g.total_weights / 1e6:>10.2f}  {doc}")
    return 0
