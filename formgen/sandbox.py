"""Work on a custom template runs in a child process, under a wall-clock and a memory limit."""
from __future__ import annotations

import os
import pickle
import select
import signal
import time
import traceback

from .errors import FormgenError, InvalidInput
from .package import limits

try:
    import resource
except ImportError:  # Windows: no rlimits, and no fork either (see run_limited)
    resource = None


class ChildFailed(RuntimeError):
    """The child met a bug of formgen's (not the template's): its traceback, for exit 70."""


def run_limited(label: str, function, *args):
    """function(*args) in a forked child with the render limits of limits.yaml; its result here.

    A template that loops for ever, eats memory or recurses without end is the template's fault:
    InvalidInput (exit 2) naming the limit, never a hang. FormgenError raised in the child is raised
    here as it was. Where the system cannot fork (Windows), function runs here with no limit but
    the sandbox's own (range, recursion).
    """
    if not hasattr(os, "fork"):
        return _guarded(label, function, args)
    rules = limits()["render"]
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        try:
            os.close(read_end)
            _confine(rules)
            try:
                payload = ("ok", _guarded(label, function, args))
            except FormgenError as exc:
                payload = ("error", exc)
            except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
                payload = ("bug", traceback.format_exc())
            data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
        finally:
            os._exit(0)
    os.close(write_end)
    data = None
    try:
        data = _read_until(read_end, time.monotonic() + rules["seconds"])
    finally:
        os.close(read_end)
        ended = _end(pid)
    if data is None or (not data and os.WIFSIGNALED(ended) and os.WTERMSIG(ended) == signal.SIGXCPU):
        raise InvalidInput(f"Mẫu {label} chạy quá {rules['seconds']} giây, giới hạn thời gian dựng một văn bản "
                           "từ mẫu tự sửa: xem lại các vòng lặp {% for %} của mẫu.")
    if not data:  # the child died before answering: the memory limit (malloc fails where Python cannot say so)
        raise _memory(label, rules)
    outcome, value = pickle.loads(data)
    if outcome == "ok":
        return value
    if outcome == "error":
        raise value
    raise ChildFailed(value)


def _guarded(label: str, function, args):
    """The failures a template causes, as the template's: the recursion and memory limits."""
    try:
        return function(*args)
    except RecursionError:
        raise InvalidInput(f"Mẫu {label} lồng nhau quá sâu (một macro gọi lại chính nó không dừng): giới hạn "
                           "độ sâu đệ quy của mẫu.") from None
    except MemoryError:
        raise _memory(label, limits()["render"]) from None


def _memory(label: str, rules: dict) -> InvalidInput:
    return InvalidInput(f"Mẫu {label} dùng quá {rules['memory_bytes'] // 2**20} MB bộ nhớ, giới hạn khi dựng văn "
                        "bản từ mẫu tự sửa.")


def _confine(rules: dict) -> None:
    """The child's own limits: address space beyond what it holds now, CPU time as a backstop."""
    for number in (signal.SIGINT, signal.SIGTERM):  # not the parent's handlers: the parent ends the child
        signal.signal(number, signal.SIG_DFL)
    if resource is None:
        return
    base = _address_space()
    wanted = [(resource.RLIMIT_CPU, int(rules["seconds"]) + 1)]
    if base is not None:
        wanted.append((resource.RLIMIT_AS, base + rules["memory_bytes"]))
    for which, soft in wanted:
        _, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(which, (soft, hard))


def _address_space() -> int | None:
    """The bytes of address space this process maps now (Linux /proc), or None where unknown."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def _read_until(fd: int, deadline: float) -> bytes | None:
    """All the child writes until it closes the pipe; None when the deadline passes first."""
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _end(pid: int) -> int:
    """Kill the child if it still runs (it has answered, or run out of time); its wait status."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return os.waitpid(pid, 0)[1]
