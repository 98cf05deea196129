"""``precision: {policy: search}``: every design point chooses each compute layer's precision.

Per point, each compute layer may take any candidate its PE computes (INT PEs: every (w, a) of
``bits``, narrower than the PE packed, wider in passes; LightPE-1/-2: their power-of-two weight
code at each activation width of ``bits.a``; FP16: FP16). The cost of a layer at a candidate on a
design is the cost model's own per-layer figure (``dse.network`` with every layer pinned to that
candidate); its error is the sensitivity table's. The sweep minimises the mapping objective within
the point's error budget with ``search.lagrangian`` (vectorized over points); the reported designs
(``per_layer=True``, used by precision.json and the report) are solved exactly with ``search.ilp``.

Objective per layer: ``energy`` -> energy_pj, ``latency`` -> latency_cycles, ``edp`` -> the
first-order expansion of log(E T) about the current choice, E_l / E + T_l / T (two rounds).
Outputs of a layer are written at its own activation width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dse.errors import UserError
from dse.io import sha256_file
from dse.quant import formats, search
from dse.spec import Spec
from pe_models.catalog import PE_TYPES, PEKind
from workloads.layer import LayerGraph

KIND_OF_FORMAT = {v: k for k, v in formats.FORMAT_OF_KIND.items()}
EDP_ROUNDS = 2


@dataclass(frozen=True)
class SearchTable:
    layers: tuple[str, ...]  # compute layers, graph order
    cands: tuple[tuple[str, int, int], ...]  # (w_format, w_bits, a_bits)
    kind: np.ndarray  # (C,) PEKind each candidate runs on
    error: np.ndarray  # (L, C)
    max_error: tuple[float, ...]

    def budget(self, point_id: np.ndarray) -> np.ndarray:
        """Each point's error budget: max_error is the last (fastest) dimension of the space."""
        return np.asarray(self.max_error)[np.asarray(point_id) % len(self.max_error)]


def candidates(w_bits, a_bits, kinds) -> list[tuple[str, int, int]]:
    out = []
    for kind in sorted(set(int(k) for k in kinds)):
        fmt = formats.FORMAT_OF_KIND[PEKind(kind)]
        if fmt == "int":
            out += [("int", w, a) for w in w_bits for a in a_bits]
        elif fmt == "fp16":
            out.append(("fp16", 16, 16))
        else:
            out += [(fmt, formats.FIXED_FORMAT_BITS[fmt][0], a) for a in a_bits]
    return out


def read_table(path: str) -> pd.DataFrame:
    from dse.quant.sensitivity import COLUMNS

    try:
        df = pd.read_csv(path)
    except FileNotFoundError:
        raise UserError(f"{path}: no such file; expected a CSV written by `dse sensitivity`") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: not a readable CSV ({exc})") from None
    missing = [c for c in COLUMNS if c not in df.columns and c != "top1_accuracy"]
    if missing:
        raise UserError(f"{path}: missing column {missing[0]!r}; expected a CSV written by `dse sensitivity`")
    return df


def build(spec: Spec, graph: LayerGraph) -> SearchTable:
    """The search table of a spec, checked against its model: one line naming the problem otherwise."""
    s = spec.precision.search
    where = s.sensitivity
    df = read_table(where)
    sha = sha256_file(spec.workload.onnx)
    got = set(df["model_sha256"].astype(str))
    if got != {sha}:
        raise UserError(f"{where}: measured on another model (sha256 {sorted(got)[0][:12]}...), not on "
                        f"{spec.workload.onnx} ({sha[:12]}...); re-run `dse sensitivity {spec.workload.onnx}`")
    lay = df[df["scope"] == "layer"]
    names = tuple(L.name for L in graph.compute_layers())
    have = set(lay["layer"].astype(str))
    for n in names:
        if n not in have:
            raise UserError(f"{where}: no rows for compute layer {n!r} of {spec.workload.onnx}")
    kinds = [PE_TYPES[t].kind for t in spec.space_dict["pe_type"]]
    cands = candidates(s.w_bits, s.a_bits, kinds)
    table = lay.set_index(["layer", "w_format", "w_bits", "a_bits"])["error"]
    table = table[~table.index.duplicated()]
    err = np.empty((len(names), len(cands)))
    for j, (fmt, w, a) in enumerate(cands):
        key = pd.MultiIndex.from_tuples([(n, fmt, w, a) for n in names])
        vals = table.reindex(key).to_numpy()
        if np.isnan(vals).any():
            n = names[int(np.flatnonzero(np.isnan(vals))[0])]
            raise UserError(f"{where}: no row for layer {n!r} at {fmt} w{w} a{a}; re-run `dse sensitivity` with "
                            f"--bits {','.join(map(str, sorted(set(s.w_bits) | set(s.a_bits))))} "
                            f"(precision.bits asks for it)")
        err[:, j] = vals
    kind = np.array([KIND_OF_FORMAT[f] for f, _, _ in cands])
    floor = min(err[:, kind == k].min(axis=1).sum() for k in set(kind.tolist()))
    for b in s.max_error:
        if b < floor:
            raise UserError(f"{spec.path}: precision.max_error: {b:g} is below the smallest error any PE type of "
                            f"the space reaches ({floor:.3g}); expected a budget >= {floor:.3g}")
    return SearchTable(names, tuple(cands), kind, err, s.max_error)


def pinned(wl, bits: dict[str, tuple[int, int]]):
    """A workload whose compute layers run at the given (w_bits, a_bits); other layers follow the PE."""
    from dse.network import Workload

    graph = wl.graph.map_layers(lambda L: L.with_bits(*bits[L.name], bits[L.name][1]) if L.name in bits else L)
    return Workload(graph, True, frozenset(bits))


def _layer_costs(d, wl, objective, on_layer):
    """(E, T): (P, L, C) energy_pj and latency_cycles of every compute layer at every candidate, from
    the cost model's per-layer evaluation (each layer alone, at each distinct (w, a) of the candidates)."""
    from dse.network import layer_costs

    st = wl.search
    pairs = sorted({(w, a) for _, w, a in st.cands})
    by_name = {L.name: L for L in wl.graph.compute_layers()}
    layers = [by_name[n].with_bits(w, a, a) for (w, a) in pairs for n in st.layers]
    e, t = layer_costs(d, layers, lambda name: False, objective)  # (len(pairs) * L, P)
    if on_layer:
        for _ in wl.graph.layers():
            on_layer()
    L = len(st.layers)
    col = {pair: i for i, pair in enumerate(pairs)}
    idx = [col[(w, a)] for _, w, a in st.cands]
    shape = lambda x: np.transpose(x.reshape(len(pairs), L, len(d)), (2, 1, 0))[:, :, idx]  # (P, L, C)
    return shape(e), shape(t)


def _objective_cost(E, T, objective, choice):
    """(P, L, C) cost for the objective; for edp linearised about ``choice``'s totals."""
    if objective == "energy":
        return E
    if objective == "latency":
        return T
    pick = lambda x: np.take_along_axis(x, choice[..., None], axis=-1)[..., 0].sum(axis=-1)
    e0, t0 = pick(E), pick(T)
    return E / e0[:, None, None] + T / t0[:, None, None]


def choose(d, wl, objective: str, on_layer=None, exact: bool = False):
    """(choice (P, L) candidate indices, feasible (P,), quant_error (P,), cost arrays) for a batch."""
    st = wl.search
    E, T = _layer_costs(d, wl, objective, on_layer)
    valid = (np.asarray(d.pe_kind)[:, None] == st.kind[None, :])[:, None, :]  # (P, 1, C)
    valid = np.broadcast_to(valid, E.shape)
    budget = st.budget(d.point_id)
    err = np.broadcast_to(st.error[None], E.shape)
    choice = search._pick(np.where(valid, err, np.inf), np.where(valid, E, np.inf))  # min error, start
    for _ in range(EDP_ROUNDS if objective == "edp" else 1):
        cost = _objective_cost(E, T, objective, choice)
        choice, feasible = search.lagrangian(cost, err, budget, valid)
    lag_cost = np.take_along_axis(cost, choice[..., None], axis=-1)[..., 0].sum(axis=-1)
    if exact:
        for p in range(len(d)):  # the few reported designs only
            x = search.ilp(cost[p], [(st.error, budget[p])], valid[p])
            if x is not None:
                choice[p] = x
    q_err = np.take_along_axis(err, choice[..., None], axis=-1)[..., 0].sum(axis=-1)
    chosen_cost = np.take_along_axis(cost, choice[..., None], axis=-1)[..., 0].sum(axis=-1)
    return choice, feasible, q_err, lag_cost, chosen_cost


def evaluate_search(d, wl, objective: str = "edp", on_layer=None, per_layer: bool = False):
    """``dse.network.evaluate`` under policy search: choose bits, then evaluate each distinct choice."""
    from dse.network import evaluate

    st = wl.search
    choice, feasible, q_err, lag_cost, chosen_cost = choose(d, wl, objective, on_layer, exact=per_layer)
    groups, inverse = np.unique(choice, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    tables, layer_tables = [], []
    for g, combo in enumerate(groups):  # one evaluation per distinct precision choice, vectorized inside
        idx = np.flatnonzero(inverse == g)
        bits = {n: st.cands[c][1:] for n, c in zip(st.layers, combo)}
        res = evaluate(d.take(idx), pinned(wl, bits), objective, per_layer=per_layer)
        table, lay = res if per_layer else (res, None)
        tables.append(table)
        if per_layer:
            fmt = {n: st.cands[c][0] for n, c in zip(st.layers, combo)}
            lay["w_format"] = lay["layer"].map(fmt).fillna("")
            layer_tables.append(lay)
    table = pd.concat(tables, ignore_index=True).set_index("point_id").loc[d.point_id].reset_index()
    table["max_error"] = st.budget(d.point_id)
    table["quant_error"] = q_err
    table["within_budget"] = feasible
    table["search_cost_lagrangian"] = lag_cost
    table["search_cost_chosen"] = chosen_cost
    if not per_layer:
        return table
    lay = pd.concat(layer_tables, ignore_index=True)
    for col in ("quant_error", "search_cost_lagrangian", "search_cost_chosen"):
        lay[col] = lay["point_id"].map(dict(zip(table["point_id"], table[col])))
    return table, lay


BUDGETS = ("energy_pj", "latency_cycles", "weight_kib")  # `dse mixed-precision --budget NAME=VALUE`


def solve_design(d, wl, objective: str, max_error: float | None = None,
                 budgets: dict[str, float] | None = None) -> tuple[np.ndarray | None, dict]:
    """One fixed design (a one-point batch), exactly (milp): minimise the objective's cost within
    ``max_error``, or minimise the summed error within network ``budgets`` (energy_pj, latency_cycles:
    whole network, the non-compute layers' fixed share included; weight_kib: weight storage)."""
    from dse.network import evaluate

    st = wl.search
    E, T = (x[0] for x in _layer_costs(d, wl, objective, None))  # (L, C)
    valid = st.kind[None, :] == np.asarray(d.pe_kind)[0]
    valid = np.broadcast_to(valid, E.shape)
    j = int(np.flatnonzero(valid[0])[0])
    ref = evaluate(d, pinned(wl, {n: st.cands[j][1:] for n in st.layers}), objective)
    fixed = {"energy_pj": float(ref["energy_pj"].iloc[0]) - E[:, j].sum(),
             "latency_cycles": float(ref["latency_cycles"].iloc[0]) - T[:, j].sum(), "weight_kib": 0.0}
    params = np.array([L.param_count for L in wl.graph.compute_layers()], float)
    size = params[:, None] * np.array([w for _, w, _ in st.cands], float)[None, :] / 8 / 1024
    coef = {"energy_pj": E, "latency_cycles": T, "weight_kib": size}
    if max_error is not None:
        cost = {"energy": E, "latency": T}.get(objective)
        if cost is None:  # edp: linearised about the most precise choice's totals
            k = search._pick(np.where(valid, st.error, np.inf), np.where(valid, E, np.inf))
            rows = np.arange(len(k))
            cost = E / E[rows, k].sum() + T / T[rows, k].sum()
        x = search.ilp(cost, [(st.error, max_error)], valid)
    else:
        x = search.ilp(st.error, [(coef[k], v - fixed[k]) for k, v in budgets.items()], valid)
    return x, {"E": E, "T": T, "size": size}
