"""The duplicate rule's (R10) keys in the register: each delegation's (place, focus area) rows, the counted sets
of focus areas at each place, and the earlier delegations a trip's places and areas find, counted and latest."""
from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

import sqlalchemy as sa

from ..policy.profile import focus_key
from ..policy.rules import NAMED_DUPLICATES
from .storage import SETS, TOPICS, area_set


def topics_of(record_id: int, places, focus_areas, depart_on: dt.date) -> list[dict]:
    """The (place, focus area) keys the duplicate rule (R10) compares, one row each, for delegation_topics."""
    pairs = dict.fromkeys((focus_key(p), focus_key(a)) for p in places for a in focus_areas)
    return [{"delegation_id": record_id, "place_key": p, "area_key": a, "depart_on": depart_on} for p, a in pairs]


TOPIC_COLUMNS = (TOPICS.c.place_key, TOPICS.c.area_key, TOPICS.c.depart_on)


def count_set(conn: sa.Connection, topics, delta: int) -> None:
    """One delegation's topic rows (mappings or rows with place_key and area_key) counted in (+1) or out (-1)
    of delegation_topic_sets: its set of area keys at each of its places."""
    topics = [t._mapping if hasattr(t, "_mapping") else t for t in topics]
    if not topics:
        return
    key = area_set(t["area_key"] for t in topics)
    places = sorted({t["place_key"] for t in topics})
    if delta > 0:  # the sets there counted up, the others made
        conn.execute(_count_up(conn.dialect.name), [{"place_key": p, "area_keys": key, "delegations": delta}
                                                     for p in places])
        return
    asked = {"key": key, "places": places, "delta": delta}
    conn.execute(_COUNT_DOWN, asked)
    conn.execute(_EMPTIED, asked)


@lru_cache(maxsize=None)
def _count_up(dialect: str):
    """count_set's upsert for a dialect (PostgreSQL's and SQLite's INSERT ... ON CONFLICT), built once."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    counted = insert(SETS)
    return counted.on_conflict_do_update(index_elements=[SETS.c.place_key, SETS.c.area_keys],
                                         set_={"delegations": SETS.c.delegations + counted.excluded.delegations})


_AT_SETS = (SETS.c.area_keys == sa.bindparam("key"), SETS.c.place_key.in_(sa.bindparam("places", expanding=True)))
_COUNT_DOWN = sa.update(SETS).where(*_AT_SETS).values(delegations=SETS.c.delegations + sa.bindparam("delta"))
_EMPTIED = sa.delete(SETS).where(*_AT_SETS, SETS.c.delegations <= 0)


def duplicates(conn: sa.Connection, places: set[str], areas: set[str], leave_out: int | None):
    """For each place key, the delegations that went there on one of the areas, counted in the database, and how
    to find the latest of them: ({place: (how many, the area keys they share)}, the shape and the parameters of
    latest()'s statement, but its `own`: the caller's).

    The count adds up delegation_topic_sets (a delegation is counted once at a place, with its set of areas)."""
    if not places or not areas:
        return {}, (), {}
    own_places, own_set = set(), None
    if leave_out is not None:  # the trip's own record is taken off its own set's count
        own = conn.execute(_OWN, {"own": leave_out}).all()
        own_places, own_set = {r.place_key for r in own}, area_set(r.area_key for r in own)
    tally: dict[str, tuple[int, set[str]]] = {}
    for place, keys, n in conn.execute(_SETS_AT, {"places": sorted(places)}):
        n -= place in own_places and keys == own_set
        common = areas.intersection(json.loads(keys))
        if n > 0 and common:
            count, shared = tally.get(place, (0, set()))
            tally[place] = (count + n, shared | common)
    counted = {place: tally[place] for place in sorted(tally)}
    shape, asked = [], {}
    for i, (place, (_, shared)) in enumerate(counted.items()):
        shape.append(len(shared))
        asked[f"place{i}"] = place
        asked.update((f"area{i}_{j}", area) for j, area in enumerate(sorted(shared)))
    return counted, tuple(shape), asked


T = TOPICS.c
_OWN = sa.select(T.place_key, T.area_key).where(T.delegation_id == sa.bindparam("own"))
_SETS_AT = sa.select(SETS.c.place_key, SETS.c.area_keys, SETS.c.delegations).where(
    SETS.c.place_key.in_(sa.bindparam("places", expanding=True)))


@lru_cache(maxsize=256)
def latest(shape: tuple[int, ...], leave_out: bool):
    """The ids of the earlier delegations a trip's duplicate finding may name, from duplicates()'s parameters: at
    each place place{i}, the NAMED_DUPLICATES latest on each of its shape[i] areas area{i}_0, area{i}_1... (the
    last entries of delegation_topics' index at (place, area): a few rows however crowded the place); `own` left
    out. The latest few at a place are among them. Built once for each shape."""
    parts = []
    for i, areas in enumerate(shape):
        query = sa.select(T.delegation_id, T.depart_on).where(T.place_key == sa.bindparam(f"place{i}"))
        if leave_out:
            query = query.where(T.delegation_id != sa.bindparam("own"))
        parts += [query.where(T.area_key == sa.bindparam(f"area{i}_{j}"))
                  .order_by(T.depart_on.desc(), T.delegation_id.desc()).limit(NAMED_DUPLICATES).subquery().select()
                  for j in range(areas)]
    found = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery()
    return sa.select(found.c.delegation_id)
