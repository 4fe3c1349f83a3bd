"""PDF in the server: a few LibreOffice converters kept warm, a bounded queue, 503 with Retry-After when full."""
from __future__ import annotations

import os
import queue
import threading
from pathlib import Path

from ..errors import EnvironmentFailed
from ..pdf_workers import converter as make_converter


class Busy(EnvironmentFailed):
    """Every converter is busy and the queue is full: 503, try again after retry_after seconds."""

    status = 503
    kind = "busy"

    def __init__(self, retry_after: int):
        super().__init__(f"Máy chủ đang bận chuyển PDF; thử lại sau {retry_after} giây.")
        self.retry_after = retry_after


class PdfPool:
    """`workers` converters (one per core by default): long-lived LibreOffice workers over UNO, each with its
    own profile (pdf_workers.UnoWorker; without LibreOffice's Python `uno`, Converters that keep their profile
    warm); at most `waiting` requests queue for a free one, and none waits longer than `wait`. A conversion
    runs under a time limit (a hung LibreOffice is killed and its worker restarted); a converter whose
    LibreOffice failed, or that has converted `recycle` documents, is replaced by a fresh one."""

    def __init__(self, workers: int | None = None, waiting: int | None = None, *, timeout: float | None = None,
                 wait: float = 30.0, recycle: int = 200, soffice: str | None = None):
        self.workers = max(1, workers or os.cpu_count() or 1)
        self.waiting = self.workers * 2 if waiting is None else waiting
        self.timeout, self.wait, self.recycle, self.soffice = timeout, wait, recycle, soffice
        self._free: queue.LifoQueue = queue.LifoQueue()  # the warmest converter on top
        for _ in range(self.workers):
            self._free.put(None)  # a place for a converter not made yet
        self._slots = threading.BoundedSemaphore(self.workers + self.waiting)
        self._uses: dict[int, int] = {}
        self._live: set = set()  # every converter made and not closed, in use or free
        self._lock = threading.Lock()
        self._closed = False

    def convert(self, docx: Path) -> Path:
        """The PDF of docx beside it, from a pooled converter; Busy when the queue is full."""
        if not self._slots.acquire(blocking=False):
            raise Busy(self._retry_after())
        try:
            converter = self._take()
            try:
                pdf = converter.convert([docx])[0]
            except BaseException:
                self._discard(converter)  # a crash or a hang may leave its profile broken
                raise
            self._give_back(converter)
            return pdf
        finally:
            self._slots.release()

    def _take(self):
        try:
            converter = self._free.get(timeout=self.wait)
        except queue.Empty:
            raise Busy(self._retry_after()) from None
        if converter is not None:
            return converter
        if self._closed:  # the server is stopping: no LibreOffice is started any more
            self._free.put(None)
            raise Busy(self._retry_after())
        try:
            made = make_converter(self.soffice, self.timeout, recycle=self.recycle)
        except BaseException:
            self._free.put(None)
            raise
        with self._lock:
            self._live.add(made)
        return made

    def _give_back(self, converter) -> None:
        uses = self._uses.get(id(converter), 0) + 1
        if uses >= self.recycle:
            self._discard(converter)
            return
        self._uses[id(converter)] = uses
        self._free.put(converter)

    def _discard(self, converter) -> None:
        """Close a converter; a fresh one takes its place when next needed."""
        self._uses.pop(id(converter), None)
        with self._lock:
            self._live.discard(converter)
        converter.close()
        self._free.put(None)

    def _retry_after(self) -> int:
        return max(1, int(self.timeout or 10))

    def close(self) -> None:
        """Stop every converter's LibreOffice and remove its profile (the server's shutdown)."""
        with self._lock:
            self._closed = True
            live, self._live = list(self._live), set()
        for converter in live:  # one still converting is stopped too: its request fails, nothing is left
            converter.close()
