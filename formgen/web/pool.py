"""PDF in the server: a few LibreOffice converters kept warm, a bounded queue, 503 with Retry-After when full."""
from __future__ import annotations

import os
import queue
import threading
from pathlib import Path

from ..errors import EnvironmentFailed
from ..pdf import Converter


class Busy(EnvironmentFailed):
    """Every converter is busy and the queue is full: 503, try again after retry_after seconds."""

    status = 503
    kind = "busy"

    def __init__(self, retry_after: int):
        super().__init__(f"Máy chủ đang bận chuyển PDF; thử lại sau {retry_after} giây.")
        self.retry_after = retry_after


class PdfPool:
    """`workers` converters (one per core by default), each with its own LibreOffice profile kept between
    conversions (the first conversion in a fresh profile is the slow one); at most `waiting` requests queue
    for a free one, and none waits longer than `wait`. A converter whose LibreOffice failed, or that has
    converted `recycle` documents, is replaced by a fresh one."""

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

    def _take(self) -> Converter:
        try:
            converter = self._free.get(timeout=self.wait)
        except queue.Empty:
            raise Busy(self._retry_after()) from None
        if converter is not None:
            return converter
        try:
            return Converter(self.soffice, timeout=self.timeout)
        except BaseException:
            self._free.put(None)
            raise

    def _give_back(self, converter: Converter) -> None:
        uses = self._uses.get(id(converter), 0) + 1
        if uses >= self.recycle:
            self._discard(converter)
            return
        self._uses[id(converter)] = uses
        self._free.put(converter)

    def _discard(self, converter: Converter) -> None:
        """Close a converter; a fresh one takes its place when next needed."""
        self._uses.pop(id(converter), None)
        converter.close()
        self._free.put(None)

    def _retry_after(self) -> int:
        return max(1, int(self.timeout or 10))

    def close(self) -> None:
        while not self._free.empty():
            converter = self._free.get_nowait()
            if converter is not None:
                converter.close()
