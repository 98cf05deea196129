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
    """Per candidate pair (w, a): per-layer energy and latency (L_all, P) arrays."""
    from dse.network import evaluate

    st = wl.search
    pairs = sorted({(w, a) for _, w, a in st.cands})
    out = {}
    for i, (w, a) in enumerate(pairs):
        _, lay = evaluate(d, pinned(wl, {n: (w, a) for n in st.layers}), objective,
                          on_layer=on_layer if i == 0 else None, per_layer=True)
        n_all = len(lay) // len(d)
        out[(w, a)] = (lay["energy_pj"].to_numpy().reshape(n_all, len(d)),
                       lay["latency_cycles"].to_numpy().reshape(n_all, len(d)))
    return out


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
    costs = _layer_costs(d, wl, objective, on_layer)
    compute_rows = np.array([i for i, L in enumerate(wl.graph.layers()) if L.name in set(st.layers)])
    E = np.stack([costs[(w, a)][0][compute_rows].T for _, w, a in st.cands], axis=-1)  # (P, L, C)
    T = np.stack([costs[(w, a)][1][compute_rows].T for _, w, a in st.cands], axis=-1)
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
    return table, pd.concat(layer_tables, ignore_index=True)
