"""The optimal assignment on the candidate graph, as a min-cost flow (OR-Tools), and the greedy baseline.

source → mentor (capacity: how many mentees they take) → mentee (one edge per candidate pair, cost: minus
its points) → sink (capacity one). "most-pairs" asks for the largest flow, then the lowest cost: the most pairs,
then the best total. "best-pairs" lets flow bypass the pairs at no cost, so only pairs that add points are made.
"""

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from bot.matching.candidates import Graph
from bot.matching.model import Mode

Ints = npt.NDArray[np.int64]


def solve(graph: Graph, capacity: npt.NDArray[np.int32], mentees: int, mode: Mode) -> Ints:
    """Indices of the chosen edges."""
    if graph.mentor.size == 0:
        return np.zeros(0, dtype=np.int64)
    m = len(capacity)
    source, sink = m + mentees, m + mentees + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    pairs = flow.add_arcs_with_capacity_and_unit_cost(
        graph.mentor, m + graph.mentee, np.ones(graph.mentor.size, dtype=np.int64), -graph.points
    )
    mentor_nodes = np.arange(m, dtype=np.int64)
    mentee_nodes = m + np.arange(mentees, dtype=np.int64)
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(m, source, dtype=np.int64), mentor_nodes, capacity.astype(np.int64), np.zeros(m, dtype=np.int64)
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        mentee_nodes,
        np.full(mentees, sink, dtype=np.int64),
        np.ones(mentees, dtype=np.int64),
        np.zeros(mentees, dtype=np.int64),
    )
    flow.set_node_supply(source, mentees)
    flow.set_node_supply(sink, -mentees)
    if mode == "most-pairs":
        status = flow.solve_max_flow_with_min_cost()
    else:
        flow.add_arc_with_capacity_and_unit_cost(source, sink, mentees, 0)
        status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow ended with status {status}")
    chosen = flow.flows(pairs) > 0
    return np.nonzero(chosen)[0].astype(np.int64)


def greedy(graph: Graph, capacity: npt.NDArray[np.int32], mentees: int) -> Ints:
    """The baseline: take the best remaining edge while both ends can take it (what a first-come tool does)."""
    left = capacity.astype(np.int64).copy()
    taken = np.zeros(mentees, dtype=bool)
    order = np.lexsort((graph.mentee, graph.mentor, -graph.points))
    chosen = []
    for e in order:
        j, i = graph.mentor[e], graph.mentee[e]
        if left[j] > 0 and not taken[i]:
            left[j] -= 1
            taken[i] = True
            chosen.append(e)
    return np.array(sorted(chosen), dtype=np.int64)
