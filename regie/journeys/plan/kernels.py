"""Compiled connection scans over the graph's flat arrays (numba, cached on disk).

Every scan keeps two labels per stop: `arrival` (when a traveller can be there) and `ready` (when
they can board there: arrival plus the transfer slack after a vehicle, no slack at the origin).
Walking uses the closure of the footpaths (regie.journeys.plan.footpaths): one closure edge is a
whole walk, so walks are relaxed once, from the stop a vehicle was left at.

Parents, for journey reconstruction, are kept per label as (board connection, alight connection,
walked-from stop, round): a label reached on foot from the origin has connections -1 and the
origin stop as walked-from stop; a label reached by alighting at the stop itself has walked-from -1.
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.int32(1 << 30)  # unreachable; sums with a day's seconds stay within int32
BOARD, ALIGHT = np.uint8(1), np.uint8(2)


@njit(cache=True)
def _set(table, row, stop, board, conn, walk, rnd):
    table[0, row, stop] = board
    table[1, row, stop] = conn
    table[2, row, stop] = walk
    table[3, row, stop] = rnd


@njit(cache=True)
def rounds_scan(dep_stop, arr_stop, dep, arr, trip, flags, trip_ok, stop_ok,
                clo_off, clo_to, clo_dur, first_conn, horizon,
                src_stop, src_time, egress, slack, max_trips, n_trips, target_bound, max_first_wait):
    """Connection scan by number of trips (0 .. max_trips): labels mean "with at most k trips",
    so rows are non-increasing in k and the Pareto set of (arrival, trips) at the target is where
    a row improves on the one before. `egress[s]`: seconds from stop s to the destination, -1
    where s is not one of its stops (all -1: one-to-all until `horizon`). `target_bound[k]`: an
    arrival already known with at most k trips (INF: none); only better journeys are looked for.
    `max_first_wait`: the longest wait for the first vehicle, at a stop reached on foot from the
    origin (range queries: leave within the window).

    Returns (arrival[k, stop], ready[k, stop], arrival parents[4, k, stop], ready parents,
    best target arrival per k)."""
    n = len(stop_ok)
    rows = max_trips + 1
    arrival = np.full((rows, n), INF, np.int32)
    ready = np.full((rows, n), INF, np.int32)
    a_par = np.empty((4, rows, n), np.int32)  # read only where a label was set: no fill
    r_par = np.empty((4, rows, n), np.int32)
    trip_round = np.full(n_trips, rows, np.int32)
    trip_board = np.full(n_trips, -1, np.int32)
    target_best = target_bound.copy()

    for i in range(len(src_stop)):
        s, t0 = src_stop[i], src_time[i]
        for j in range(-1, clo_off[s + 1] - clo_off[s]):
            u = s if j < 0 else clo_to[clo_off[s] + j]
            t = t0 if j < 0 else t0 + clo_dur[clo_off[s] + j]
            for k in range(rows):
                if t < arrival[k, u]:
                    arrival[k, u] = t
                    _set(a_par, k, u, -1, -1, s, 0)
                    if egress[u] >= 0 and t + egress[u] < target_best[k]:
                        target_best[k] = t + egress[u]
                if t < ready[k, u]:
                    ready[k, u] = t
                    _set(r_par, k, u, -1, -1, s, 0)

    m = len(dep)
    for c in range(first_conn, m):
        d = dep[c]
        if d > horizon or d >= target_best[min(1, max_trips)]:
            break
        tr = trip[c]
        if not trip_ok[tr]:
            continue
        r = trip_round[tr]
        u = dep_stop[c]
        if r > 1 and (flags[c] & BOARD) and stop_ok[u] and ready[min(r - 2, max_trips - 1), u] <= d:
            for k in range(r - 1):
                if ready[k, u] <= d and (r_par[1, k, u] >= 0 or d - ready[k, u] <= max_first_wait):
                    r = k + 1
                    trip_round[tr] = r
                    trip_board[tr] = c
                    break
        if r >= rows or not (flags[c] & ALIGHT):
            continue
        v = arr_stop[c]
        a = arr[c]
        if not stop_ok[v] or a >= arrival[r, v] or a >= target_best[r]:
            continue
        b = trip_board[tr]
        for k in range(r, rows):
            if a >= arrival[k, v]:
                break
            arrival[k, v] = a
            _set(a_par, k, v, b, c, -1, r)
            if egress[v] >= 0 and a + egress[v] < target_best[k]:
                target_best[k] = a + egress[v]
        for k in range(r, rows):
            if a + slack >= ready[k, v]:
                break
            ready[k, v] = a + slack
            _set(r_par, k, v, b, c, -1, r)
        for e in range(clo_off[v], clo_off[v + 1]):
            w = clo_to[e]
            t = a + clo_dur[e]
            if t >= target_best[r]:
                continue
            for k in range(r, rows):
                if t >= arrival[k, w]:
                    break
                arrival[k, w] = t
                _set(a_par, k, w, b, c, v, r)
                if egress[w] >= 0 and t + egress[w] < target_best[k]:
                    target_best[k] = t + egress[w]
            for k in range(r, rows):
                if t + slack >= ready[k, w]:
                    break
                ready[k, w] = t + slack
                _set(r_par, k, w, b, c, v, r)
    return arrival, ready, a_par, r_par, target_best


@njit(cache=True)
def earliest_scan(dep_stop, arr_stop, dep, arr, trip, flags, trip_ok, stop_ok,
                  clo_off, clo_to, clo_dur, first_conn, horizon,
                  src_stop, src_time, egress, slack, n_trips):
    """Connection scan without a limit on trips (one row): stops at the first connection that
    departs after the best target arrival or after `horizon`. Same results as `rounds_scan`."""
    n = len(stop_ok)
    arrival = np.full((1, n), INF, np.int32)
    ready = np.full((1, n), INF, np.int32)
    a_par = np.empty((4, 1, n), np.int32)  # read only where a label was set: no fill
    r_par = np.empty((4, 1, n), np.int32)
    trip_board = np.full(n_trips, -1, np.int32)
    best = INF

    for i in range(len(src_stop)):
        s, t0 = src_stop[i], src_time[i]
        for j in range(-1, clo_off[s + 1] - clo_off[s]):
            u = s if j < 0 else clo_to[clo_off[s] + j]
            t = t0 if j < 0 else t0 + clo_dur[clo_off[s] + j]
            if t < arrival[0, u]:
                arrival[0, u] = t
                _set(a_par, 0, u, -1, -1, s, 0)
                if egress[u] >= 0 and t + egress[u] < best:
                    best = t + egress[u]
            if t < ready[0, u]:
                ready[0, u] = t
                _set(r_par, 0, u, -1, -1, s, 0)

    m = len(dep)
    for c in range(first_conn, m):
        d = dep[c]
        if d > horizon or d >= best:
            break
        tr = trip[c]
        b = trip_board[tr]
        if b < 0:  # most connections: not on a boarded trip, from a stop not reached yet
            u = dep_stop[c]
            if ready[0, u] > d or not (flags[c] & BOARD) or not trip_ok[tr] or not stop_ok[u]:
                continue
            b = c
            trip_board[tr] = c
        if not (flags[c] & ALIGHT):
            continue
        v = arr_stop[c]
        a = arr[c]
        if not stop_ok[v] or a >= arrival[0, v] or a >= best:
            continue
        arrival[0, v] = a
        _set(a_par, 0, v, b, c, -1, 0)
        if egress[v] >= 0 and a + egress[v] < best:
            best = a + egress[v]
        if a + slack < ready[0, v]:
            ready[0, v] = a + slack
            _set(r_par, 0, v, b, c, -1, 0)
        for e in range(clo_off[v], clo_off[v + 1]):
            w = clo_to[e]
            t = a + clo_dur[e]
            if t < arrival[0, w] and t < best:
                arrival[0, w] = t
                _set(a_par, 0, w, b, c, v, 0)
                if egress[w] >= 0 and t + egress[w] < best:
                    best = t + egress[w]
            if t + slack < ready[0, w] and t < best:
                ready[0, w] = t + slack
                _set(r_par, 0, w, b, c, v, 0)
    target_best = np.full(1, best, np.int32)
    return arrival, ready, a_par, r_par, target_best


@njit(cache=True)
def latest_scan(dep_stop, arr_stop, dep, arr, trip, flags, trip_ok, stop_ok,
                rclo_off, rclo_from, rclo_dur, by_arrival, last_pos,
                dst_stop, dst_time, src_stop, src_access, slack, max_trips, n_trips):
    """Reverse connection scan (connections by arrival, latest first) by number of trips: the
    latest time to leave the origin and still reach a destination stop by its time.

    `start[k, s]`: latest time to stand at s with at most k trips to go; `alight[k, s]`: latest
    time to step off a vehicle at s (the slack of the next boarding included). Returns the latest
    departure from the origin (access walk taken off) per k, -INF where none."""
    n = len(stop_ok)
    rows = max_trips + 1
    start = np.full((rows, n), -INF, np.int32)
    alight = np.full((rows, n), -INF, np.int32)
    trip_round = np.full(n_trips, rows, np.int32)
    access = np.full(n, -1, np.int32)
    for i in range(len(src_stop)):
        s = src_stop[i]
        if access[s] < 0 or src_access[i] < access[s]:
            access[s] = src_access[i]
    best = np.full(rows, -INF, np.int32)

    for i in range(len(dst_stop)):
        v, t0 = dst_stop[i], dst_time[i]
        for j in range(-1, rclo_off[v + 1] - rclo_off[v]):
            w = v if j < 0 else rclo_from[rclo_off[v] + j]
            t = t0 if j < 0 else t0 - rclo_dur[rclo_off[v] + j]
            for k in range(rows):
                if t > start[k, w]:
                    start[k, w] = t
                    if access[w] >= 0 and t - access[w] > best[k]:
                        best[k] = t - access[w]
                if t > alight[k, w]:
                    alight[k, w] = t

    for p in range(last_pos, -1, -1):
        c = by_arrival[p]
        a = arr[c]
        if a <= best[min(1, max_trips)]:
            break
        tr = trip[c]
        if not trip_ok[tr]:
            continue
        r = trip_round[tr]
        v = arr_stop[c]
        if r > 1 and (flags[c] & ALIGHT) and stop_ok[v] and alight[min(r - 2, max_trips - 1), v] >= a:
            for k in range(r - 1):
                if alight[k, v] >= a:
                    r = k + 1
                    trip_round[tr] = r
                    break
        if r >= rows or not (flags[c] & BOARD):
            continue
        u = dep_stop[c]
        d = dep[c]
        if not stop_ok[u] or d <= start[r, u] or d <= best[r]:
            continue
        for k in range(r, rows):
            if d <= start[k, u]:
                break
            start[k, u] = d
            if access[u] >= 0 and d - access[u] > best[k]:
                best[k] = d - access[u]
        for k in range(r, rows):
            if d - slack <= alight[k, u]:
                break
            alight[k, u] = d - slack
        for e in range(rclo_off[u], rclo_off[u + 1]):
            w = rclo_from[e]
            t = d - rclo_dur[e]
            for k in range(r, rows):
                if t <= start[k, w]:
                    break
                start[k, w] = t
                if access[w] >= 0 and t - access[w] > best[k]:
                    best[k] = t - access[w]
            for k in range(r, rows):
                if t - slack <= alight[k, w]:
                    break
                alight[k, w] = t - slack
    return best
