"""The optimal assignment on the candidate graph, as a min-cost flow (OR-Tools), and its dual prices.

source → mentor (capacity: how many mentees they take) → mentee (one edge per candidate pair, cost: minus its
points) → sink (capacity one). "Most pairs" asks for the largest flow, then the lowest cost: the most pairs, then
the best total — as if every pair weighed `big` more than its points, more than any number of points could make
up. "Best pairs" lets flow bypass the pairs at no cost, so that a pair is made only when it adds points.

The dual prices (a price per mentor place and one per mentee, such that every edge's weight is at most the sum of
its two prices, with equality on the chosen edges) prove the assignment optimal: any assignment's weight is at most
the sum of the prices, which the chosen one reaches. They come from shortest paths in the flow's residual graph.
"""

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

from bot.matching.candidates import Graph

Ints = npt.NDArray[np.int64]
UNREACHED = 2**62  # a distance not yet found: far above any sum of weights


def solve(graph: Graph, capacity: npt.NDArray[np.int32], mentees: int, big: int) -> Ints:
    """Indices of the chosen edges: the maximum-weight assignment of the graph (weights: big + points)."""
    if graph.mentor.size == 0:
        return np.zeros(0, dtype=np.int64)
    m = len(capacity)
    source, sink = m + mentees, m + mentees + 1
    flow = min_cost_flow.SimpleMinCostFlow()
    pairs = flow.add_arcs_with_capacity_and_unit_cost(
        graph.mentor, m + graph.mentee, np.ones(graph.mentor.size, dtype=np.int64), -graph.points
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        np.full(m, source, dtype=np.int64),
        np.arange(m, dtype=np.int64),
        capacity.astype(np.int64),
        np.zeros(m, dtype=np.int64),
    )
    flow.add_arcs_with_capacity_and_unit_cost(
        m + np.arange(mentees, dtype=np.int64),
        np.full(mentees, sink, dtype=np.int64),
        np.ones(mentees, dtype=np.int64),
        np.zeros(mentees, dtype=np.int64),
    )
    flow.set_node_supply(source, mentees)
    flow.set_node_supply(sink, -mentees)
    if big:
        # The most pairs, then the best points among them: the same assignment as weights of big + points, found
        # faster without the large costs.
        status = flow.solve_max_flow_with_min_cost()
    else:
        flow.add_arc_with_capacity_and_unit_cost(source, sink, mentees, 0)
        status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"the min-cost flow ended with status {status}")
    return np.nonzero(flow.flows(pairs) > 0)[0].astype(np.int64)


def duals(graph: Graph, chosen: Ints, capacity: npt.NDArray[np.int32], mentees: int, weight: Ints) -> tuple[Ints, Ints]:
    """The prices (per mentor, per mentee; both ≥ 0) that prove `chosen` optimal on the graph.

    Bellman-Ford from a virtual root over the residual graph, as arrays: an edge j → i costs −weight (its capacity
    is never binding: the mentee's own arc is), a chosen edge also i → j at +weight; s → j while a mentor has
    room, j → s once they have a mentee; i → t while a mentee is alone, t → i once paired; t → s, and s → t once
    anyone is paired. With d the distances, a mentor's price is d_j − d_s and a mentee's d_t − d_i, at least 0."""
    m = len(capacity)
    if graph.mentee.size == 0:
        return np.zeros(m, dtype=np.int64), np.zeros(mentees, dtype=np.int64)
    load = np.bincount(graph.mentor[chosen], minlength=m)
    matched = np.zeros(mentees, dtype=bool)
    matched[graph.mentee[chosen]] = True
    spare, busy, paired = load < capacity, load > 0, chosen.size > 0
    starts = np.flatnonzero(np.r_[True, graph.mentee[1:] != graph.mentee[:-1]])
    heads = graph.mentee[starts]
    cm, ci, cw = graph.mentor[chosen], graph.mentee[chosen], weight[chosen]
    # The virtual root reaches the mentees and the sink only: mentors are priced as high, and mentees as low, as
    # the graph allows. Among the many prices that prove a solution on its graph, these are the ones most likely
    # to cover the pairs left out (alike volunteers all priced alike), so the pricing rarely has to add any.
    dj, di = np.full(m, UNREACHED, dtype=np.int64), np.zeros(mentees, dtype=np.int64)
    ds, dt = UNREACHED, 0
    for _ in range(m + mentees + 3):
        before = (dj.copy(), di.copy(), ds, dt)
        di[heads] = np.minimum(di[heads], np.minimum.reduceat(dj[graph.mentor] - weight, starts))
        di[matched] = np.minimum(di[matched], dt)
        np.minimum.at(dj, cm, di[ci] + cw)
        dj[spare] = np.minimum(dj[spare], ds)
        dt = min(dt, int(di[~matched].min(initial=dt)), ds if paired else dt)
        ds = min(ds, dt, int(dj[busy].min(initial=ds)))
        dt = min(dt, ds) if paired else dt
        if ds == before[2] and dt == before[3] and np.array_equal(dj, before[0]) and np.array_equal(di, before[1]):
            break
    else:
        raise RuntimeError("the assignment is not optimal on its graph: a negative cycle remains")
    mentor_price = np.maximum(dj - ds, 0)
    mentee_price = np.maximum(dt - di, 0)
    _check(graph, chosen, capacity, weight, mentor_price, mentee_price)
    return mentor_price, mentee_price


def _check(
    graph: Graph, chosen: Ints, capacity: npt.NDArray[np.int32], weight: Ints, mentor: Ints, mentee: Ints
) -> None:
    """The proof holds on the graph: every edge covered by its prices, and the prices sum to the chosen weight."""
    covered = bool(np.all(mentor[graph.mentor] + mentee[graph.mentee] >= weight))
    total = int(capacity.astype(np.int64) @ mentor + mentee.sum())
    if not covered or total != int(weight[chosen].sum()):
        raise RuntimeError("the dual prices do not prove the assignment optimal")
