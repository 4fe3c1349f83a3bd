"""Numbers in the table's row order while several batch workers render at once: each row takes its turn."""
from __future__ import annotations

import multiprocessing
import os
from contextlib import contextmanager
from typing import Iterator

from .book import Register
from .outgoing import Issue


class Turns:
    """Whose turn it is, shared by a batch's processes: the rows by position (0, 1, 2, ...), each passing once,
    in order. A row numbered waits for its turn only around its numbered render (its check and context are made
    before, in parallel); a row done without a number passes its turn too, so the next one is not held."""

    def __init__(self, context=None):
        context = context or multiprocessing.get_context()
        self._changed = context.Condition()
        self._next = context.RawValue("q", 0)  # the position whose turn it is; guarded by the condition's lock

    def wait(self, position: int) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self._next.value == position)

    def passed(self, position: int) -> None:
        with self._changed:
            self._next.value = position + 1
            self._changed.notify_all()


class InRowOrder(Register):
    """A worker's register whose numbers follow the rows' order (Turns): the batch renders each row inside
    row(position); a number is taken (and the .docx written, and the record committed) only in that row's turn."""

    def __init__(self, location: str | os.PathLike, turns: Turns):
        super().__init__(location)
        self.turns = turns
        self._row: int | None = None
        self._passed = False

    @contextmanager
    def row(self, position: int) -> Iterator[None]:
        self._row, self._passed = position, False
        try:
            yield
        finally:
            if not self._passed:  # refused, invalid or failed before its number: its turn passes, in order
                self.turns.wait(position)
                self.turns.passed(position)
            self._row = None

    @contextmanager
    def issuing(self, kind: str, data: dict, *, source: str | os.PathLike | None = None) -> Iterator[Issue]:
        if self._row is None or self._passed:  # not a batch row (or its second document): no turn to wait for
            with super().issuing(kind, data, source=source) as issue:
                yield issue
            return
        self.turns.wait(self._row)
        try:
            with super().issuing(kind, data, source=source) as issue:
                yield issue
        finally:  # committed or rolled back: the next row may take the next number
            self._passed = True
            self.turns.passed(self._row)
