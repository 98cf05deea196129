"""CPU share of a whole `dse run`: evaluation vs imports vs outputs (printed, not a timed test).

    python benchmarks/cpu_share.py [SPEC]       # default: sweeps/quidam_pe_types.yaml (201,600 points)

Runs ``dse run SPEC`` in a fresh interpreter with timing instrumentation on process CPU time
(``time.process_time``: every thread, so numba's parallel kernels count) and charges each
interval to the innermost of:

- imports: ``importlib._bootstrap._find_and_load`` (module imports, including numba cache loads
  and anything a module runs at import),
- evaluation: ``dse.network.evaluate`` (the cost model on design points, wherever it is called),
- summaries: ``dse.summary.add`` (each chunk's bounded summary, computed where the chunk is
  evaluated and stored beside its part; before that existed, this work was part of outputs),
- outputs: ``dse.outputs.write_all`` (Pareto front, plots, report, precision export, tables),
- other: the rest (spec, workload, chunk bookkeeping, writing parts, interpreter start-up, which
  is the child's rusage CPU minus what the instrumentation saw).

The wrapped functions are found by name in every loaded ``dse`` module, so the same script
measures the code before and after a rework. Shared machine: seconds are noisy, shares less so.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SPEC = ROOT / "sweeps" / "quidam_pe_types.yaml"

CHILD = r"""
import importlib._bootstrap as boot, json, sys, time

TARGETS = {("dse.network", "evaluate"): "evaluation", ("dse.outputs", "write_all"): "outputs",
           ("dse.summary", "add"): "summaries"}
spent = {"imports": 0.0, "evaluation": 0.0, "summaries": 0.0, "outputs": 0.0, "other": 0.0}
stack = ["other"]
mark = [time.process_time()]


def enter(label):
    now = time.process_time()
    spent[stack[-1]] += now - mark[0]
    mark[0] = now
    stack.append(label)


def leave():
    now = time.process_time()
    spent[stack.pop()] += now - mark[0]
    mark[0] = now


def timed(fn, label):
    def wrapper(*a, **k):
        enter(label)
        try:
            return fn(*a, **k)
        finally:
            leave()
    wrapper.__wrapped__ = fn
    return wrapper


def patch():  # wrap the target functions wherever a dse module holds a reference to them
    for (mod, name), label in TARGETS.items():
        fn = vars(sys.modules[mod]).get(name) if mod in sys.modules else None
        if fn is None or hasattr(fn, "__wrapped__"):
            continue
        w = timed(fn, label)
        for m in list(sys.modules.values()):
            # vars(), not getattr: the dse package's __getattr__ imports the API lazily (recursion)
            if getattr(m, "__name__", "").startswith("dse") and vars(m).get(name) is fn:
                setattr(m, name, w)


orig = boot._find_and_load


def find_and_load(*a, **k):
    outer = stack[-1] != "imports"
    if outer:
        enter("imports")
    try:
        return orig(*a, **k)
    finally:
        if outer:
            leave()
            patch()


boot._find_and_load = find_and_load
from dse import cli
rc = cli.main(sys.argv[2:])
leave()
json.dump(spent, open(sys.argv[1], "w"))
sys.exit(rc)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("spec", nargs="?", default=str(DEFAULT_SPEC))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        spent_file = Path(tmp) / "spent.json"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-c", CHILD, str(spent_file), "run", args.spec, "--out",
                        str(Path(tmp) / "out"), "--no-progress"], cwd=ROOT, check=True)
        wall = time.perf_counter() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        spent = json.loads(spent_file.read_text())
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    spent["other"] += max(0.0, cpu - sum(spent.values()))  # interpreter start-up before the hooks
    total = sum(spent.values())
    print(f"spec: {args.spec}")
    print(f"wall time of the run: {wall:.1f} s; CPU {cpu:.1f} s (shared machine: noisy)")
    for label in ("evaluation", "imports", "summaries", "outputs", "other"):
        print(f"{label:>10}: {spent[label]:7.1f} s CPU  {100 * spent[label] / total:5.1f} %")
    print("cpu_share " + " ".join(f"{k}={100 * v / total:.1f}%" for k, v in spent.items()))


if __name__ == "__main__":
    main()
