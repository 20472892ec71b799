"""The walking closure: the graph's footpaths are not transitively closed, so the planner relaxes
whole walks, each a shortest chain of footpaths (by duration) whose walked metres stay within the
request's maximum walking distance (counted again after a shared-bike ride: the walk to the bike
and the walk from it are two walks). Computed once per option set (a small Dijkstra from every
stop, compiled) and kept by the planner; its transpose serves the reverse scans."""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from numba import njit

from regie.journeys.graph import ACCESSIBLE, BIKE_RIDE, UNKNOWN, JourneyGraph


@dataclass(frozen=True)
class Closure:
    """Walks as CSR by start stop (`to`) and by end stop (`frm`, the transpose)."""

    offsets: np.ndarray  # int32, stops + 1
    to: np.ndarray  # int32
    duration: np.ndarray  # int32 seconds
    rev_offsets: np.ndarray
    frm: np.ndarray
    rev_duration: np.ndarray


def usable_footpaths(graph: JourneyGraph, *, wheelchair: bool, unknown_ok: bool, bike: bool) -> np.ndarray:
    """uint8 per footpath: 1 where the request may use it."""
    ok = np.ones(len(graph.foot_to), dtype=np.uint8)
    if wheelchair:
        access = graph.foot_wheelchair
        good = (access == ACCESSIBLE) | ((access == UNKNOWN) & unknown_ok)
        ok &= (good & (graph.foot_kind != BIKE_RIDE)).astype(np.uint8)
    if not bike:
        ok &= (graph.foot_kind != BIKE_RIDE).astype(np.uint8)
    return ok


@njit(cache=True)
def _push(heap, size, key):
    heap[size] = key
    i = size
    while i > 0:
        parent = (i - 1) // 2
        if heap[i] >= heap[parent]:
            break
        heap[i], heap[parent] = heap[parent], heap[i]
        i = parent
    return size + 1


@njit(cache=True)
def _pop(heap, size):
    top = heap[0]
    size -= 1
    heap[0] = heap[size]
    i = 0
    while True:
        child = 2 * i + 1
        if child >= size:
            break
        if child + 1 < size and heap[child + 1] < heap[child]:
            child += 1
        if heap[child] >= heap[i]:
            break
        heap[i], heap[child] = heap[child], heap[i]
        i = child
    return top, size


@njit(cache=True)
def _closure(offsets, to, duration, distance, kind, usable, max_walk_m):
    """(from, to, seconds) of every shortest walk; heap keys are seconds << 24 | stop."""
    n = len(offsets) - 1
    unseen = np.int64(1) << 40
    best = np.full(n, unseen, np.int64)
    walked = np.zeros(n, np.float64)
    touched = np.empty(n, np.int32)
    heap = np.empty(len(to) + 1, np.int64)
    cap = max(16, len(to) * 2)
    out_from = np.empty(cap, np.int32)
    out_to = np.empty(cap, np.int32)
    out_dur = np.empty(cap, np.int32)
    size = 0
    for s in range(n):
        if offsets[s + 1] == offsets[s]:
            continue
        best[s] = 0
        walked[s] = 0.0
        touched[0] = s
        count = 1
        heap_size = _push(heap, 0, np.int64(s))
        while heap_size > 0:
            key, heap_size = _pop(heap, heap_size)
            t = key >> 24
            u = key & ((1 << 24) - 1)
            if t > best[u]:
                continue
            if u != s:
                if size == cap:
                    out_from = np.concatenate((out_from, np.empty(cap, np.int32)))
                    out_to = np.concatenate((out_to, np.empty(cap, np.int32)))
                    out_dur = np.concatenate((out_dur, np.empty(cap, np.int32)))
                    cap *= 2
                out_from[size] = s
                out_to[size] = u
                out_dur[size] = t
                size += 1
            for e in range(offsets[u], offsets[u + 1]):
                if not usable[e]:
                    continue
                w = to[e]
                metres = 0.0 if kind[e] == 2 else walked[u] + distance[e]  # a bike ride ends a walk
                if metres > max_walk_m:
                    continue
                nt = t + duration[e]
                if best[w] == unseen:
                    touched[count] = w
                    count += 1
                elif nt >= best[w]:
                    continue
                best[w] = nt
                walked[w] = metres
                heap_size = _push(heap, heap_size, (nt << 24) | w)
        for i in range(count):
            best[touched[i]] = unseen
    return out_from[:size], out_to[:size], out_dur[:size]


def _csr(keys: np.ndarray, values: np.ndarray, durations: np.ndarray, n: int) -> tuple[np.ndarray, ...]:
    order = np.argsort(keys, kind="stable")
    offsets = np.zeros(n + 1, dtype=np.int32)
    np.cumsum(np.bincount(keys, minlength=n), out=offsets[1:])
    return offsets, values[order].astype(np.int32), durations[order].astype(np.int32)


def walking_closure(graph: JourneyGraph, usable: np.ndarray, max_walk_m: float) -> Closure:
    n = graph.stop_count
    frm, to, dur = _closure(graph.foot_offsets.astype(np.int32), graph.foot_to.astype(np.int32),
                            graph.foot_duration.astype(np.int64), np.nan_to_num(graph.foot_distance.astype(np.float64)),
                            graph.foot_kind.astype(np.int8), usable, float(max_walk_m))
    offsets, to_sorted, dur_sorted = _csr(frm, to, dur, n)
    rev_offsets, frm_sorted, rev_dur = _csr(to, frm, dur, n)
    return Closure(offsets, to_sorted, dur_sorted, rev_offsets, frm_sorted, rev_dur)


def walk_path(graph: JourneyGraph, usable: np.ndarray, max_walk_m: float, start: int, end: int) -> list[int]:
    """Footpath indexes of the shortest walk from start to end (the closure's choice), for the
    legs of a journey; [] when start == end."""
    if start == end:
        return []
    best: dict[int, int] = {start: 0}
    walked: dict[int, float] = {start: 0.0}
    came: dict[int, int] = {}
    heap = [(0, start)]
    while heap:
        t, u = heapq.heappop(heap)
        if t > best[u]:
            continue
        if u == end:
            break
        for e in range(int(graph.foot_offsets[u]), int(graph.foot_offsets[u + 1])):
            if not usable[e]:
                continue
            w = int(graph.foot_to[e])
            step = float(np.nan_to_num(graph.foot_distance[e]))  # unknown distance: not counted
            metres = 0.0 if graph.foot_kind[e] == BIKE_RIDE else walked[u] + step
            nt = t + int(graph.foot_duration[e])
            if metres > max_walk_m or nt >= best.get(w, 1 << 40):
                continue
            best[w], walked[w], came[w] = nt, metres, e
            heapq.heappush(heap, (nt, w))
    path: list[int] = []
    node = end
    while node != start and node in came:
        edge = came[node]
        path.append(edge)
        node = int(np.searchsorted(graph.foot_offsets, edge, side="right") - 1)
    return path[::-1]
