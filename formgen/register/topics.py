"""The duplicate rule's (R10) keys in the register: each delegation's (place, focus area) rows, the counted sets
of focus areas at each place, and the earlier delegations a trip's places and areas find, counted and latest."""
from __future__ import annotations

import datetime as dt
import json

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
    S, key = SETS.c, area_set(t["area_key"] for t in topics)
    places = sorted({t["place_key"] for t in topics})
    if delta > 0:  # one statement: the sets there are counted up, the others made
        if conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        counted = insert(SETS).values([{"place_key": p, "area_keys": key, "delegations": delta} for p in places])
        conn.execute(counted.on_conflict_do_update(index_elements=[S.place_key, S.area_keys],
                                                   set_={"delegations": S.delegations + counted.excluded.delegations}))
        return
    conn.execute(sa.update(SETS).where(S.area_keys == key, S.place_key.in_(places))
                 .values(delegations=S.delegations + delta))
    conn.execute(sa.delete(SETS).where(S.area_keys == key, S.place_key.in_(places), S.delegations <= 0))


def duplicates(conn: sa.Connection, places: set[str], areas: set[str], leave_out: int | None, *,
               crowded: int):
    """For each place key, the delegations that went there on one of the areas, counted in the database:
    ({place: (how many, the area keys they share)}, the ids of the NAMED_DUPLICATES most recent a place).

    The count adds up delegation_topic_sets (a delegation is counted once at a place, with its set of areas);
    the most recent are the last entries of delegation_topics' index at each (place, area), merged."""
    counted, recent = {}, []
    if not places or not areas:
        return counted, recent
    S, T = SETS.c, TOPICS.c
    own_places, own_set = set(), None
    if leave_out is not None:  # the trip's own record is taken off its own set's count
        own = conn.execute(sa.select(T.place_key, T.area_key).where(T.delegation_id == leave_out)).all()
        own_places, own_set = {r.place_key for r in own}, area_set(r.area_key for r in own)
    tally: dict[str, tuple[int, set[str]]] = {}
    for place, keys, n in conn.execute(sa.select(S.place_key, S.area_keys, S.delegations)
                                       .where(S.place_key.in_(sorted(places)))):
        n -= place in own_places and keys == own_set
        common = areas.intersection(json.loads(keys))
        if n > 0 and common:
            count, shared = tally.get(place, (0, set()))
            tally[place] = (count + n, shared | common)
    counted = {place: tally[place] for place in sorted(tally)}
    latest = []
    for place, (count, shared) in counted.items():
        query = sa.select(T.place_key, T.delegation_id, T.depart_on).where(T.place_key == place)
        if leave_out is not None:
            query = query.where(T.delegation_id != leave_out)
        if count > crowded:  # each area's latest few: the last entries of the index at (place, area)
            latest += [query.where(T.area_key == area).order_by(T.depart_on.desc(), T.delegation_id.desc())
                       .limit(NAMED_DUPLICATES).subquery().select() for area in sorted(shared)]
        else:  # the few there, all of them
            latest.append(query.where(T.area_key.in_(sorted(shared))))
    if latest:  # one statement; sorted here, a delegation on two of the areas once
        rows = conn.execute(sa.union_all(*latest) if len(latest) > 1 else latest[0]).all()
        for place in counted:
            ids = {(r.depart_on, r.delegation_id) for r in rows if r.place_key == place}
            recent += [i for _, i in sorted(ids, reverse=True)[:NAMED_DUPLICATES]]
    return counted, recent
