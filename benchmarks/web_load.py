"""formgen serve under load on 127.0.0.1, and a single letter's PDF cold and warm.

    python benchmarks/web_load.py [--renders 200] [--clients 8] [--pdfs 5] [--register DB] [--requests 200]

- Load: `renders` POST /api/render/request (DOCX) from `clients` concurrent clients over real HTTP to
  waitress on 127.0.0.1; every answer must be a whole .docx (none lost); p50/p95/max latency.
- With a register (--register: a SQLite file or a PostgreSQL URL; `sqlite` for a fresh file in a temporary
  folder): what opening it costs (engine, schema check), then `requests` logged-in requests (the register's
  list, a check that reads its history) from `clients` clients; p50/p95 of each.
- PDF of one letter: cold (a fresh LibreOffice profile: what `formgen render --pdf` pays every time),
  then warm (the server's pool reuses its converter), `pdfs` times each; median seconds.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from formgen import render  # noqa: E402
from formgen.web import create_app  # noqa: E402
from formgen.web.pool import PdfPool  # noqa: E402


def body() -> bytes:
    data = yaml.safe_load((ROOT / "fixtures" / "request.yaml").read_text(encoding="utf-8"))
    return json.dumps(data, ensure_ascii=False, default=str).encode("utf-8")


def serve(threads: int, app=None):
    import waitress
    server = waitress.create_server(app or create_app(), host="127.0.0.1", port=0, threads=threads)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def one(url: str, payload: bytes) -> tuple[float, bool]:
    start = time.perf_counter()
    request = urllib.request.Request(url + "/api/render/request", data=payload,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        data = answer.read()
        ok = answer.status == 200 and data[:2] == b"PK" and len(data) > 1000
    return time.perf_counter() - start, ok


def load(renders: int, clients: int) -> None:
    server, url = serve(clients)
    payload = body()
    one(url, payload)  # warm the templates once
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(lambda _: one(url, payload), range(renders)))
    wall = time.perf_counter() - start
    server.close()
    times = sorted(t for t, _ in results)
    lost = sum(not ok for _, ok in results)
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"load: {renders} DOCX renders from {clients} clients in {wall:.1f} s ({renders / wall:.1f}/s); "
          f"lost {lost}; p50 {statistics.median(times) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
          f"max {times[-1] * 1000:.0f} ms")


def pdfs(n: int) -> None:
    data = yaml.safe_load((ROOT / "fixtures" / "request.yaml").read_text(encoding="utf-8"))
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(n):
            start = time.perf_counter()
            render("request", data, Path(tmp) / f"cold{i}.docx", pdf=True)
            cold.append(time.perf_counter() - start)
        pool = PdfPool(workers=1)
        try:
            for i in range(n + 1):
                out = Path(tmp) / f"warm{i}.docx"
                start = time.perf_counter()
                render("request", data, out)
                pool.convert(out)
                if i:  # the first one makes the pool's converter: that is the cold case again
                    warm.append(time.perf_counter() - start)
        finally:
            pool.close()
    print(f"pdf of one letter: cold (render --pdf, fresh profile) median {statistics.median(cold):.2f} s; "
          f"warm (pooled converter) median {statistics.median(warm):.2f} s; {n} each")


def _percentiles(times: list[float]) -> str:
    times = sorted(times)
    return f"p50 {statistics.median(times) * 1000:.1f} ms, p95 {times[int(len(times) * 0.95) - 1] * 1000:.1f} ms"


def open_cost(location: str, n: int = 20) -> None:
    """What one Register(...) costs: the engine made, the schema checked; and the web tables' check the server
    made per request before it kept one register a process."""
    import sqlalchemy as sa
    from formgen.register import Register
    from formgen.register import storage
    from formgen.web.users import ATTEMPTS, CHANGES, SECRETS, USERS

    Register(location).close()
    web = sa.MetaData()
    for table in (USERS, ATTEMPTS, CHANGES, SECRETS):
        table.to_metadata(web)
    engines, opens, tables = [], [], []
    for _ in range(n):
        start = time.perf_counter()
        engine = storage._engine(storage._url(location), location)
        engines.append(time.perf_counter() - start)
        engine.dispose()
        start = time.perf_counter()
        register = Register(location)
        with register.transaction() as conn:
            conn.execute(sa.select(1))
        opens.append(time.perf_counter() - start)
        start = time.perf_counter()
        web.create_all(register.engine)  # the users' tables checked, as every request did before
        tables.append(time.perf_counter() - start)
        register.close()
    print(f"open: engine {statistics.median(engines) * 1000:.2f} ms; Register() with its schema check and a first "
          f"query {statistics.median(opens) * 1000:.1f} ms; the users' tables checked (create_all) "
          f"{statistics.median(tables) * 1000:.1f} ms (medians of {n})")


def register_load(location: str, requests: int, clients: int) -> None:
    import http.cookiejar
    from formgen.web.users import Users

    with Users(location) as users:
        if users.get("bench") is None:
            users.add("bench", "mật-khẩu-đo-tải", role="province")
    server, url = serve(clients, create_app(register=location, testing=True))
    payload = body()

    def client():
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        form = urllib.parse.urlencode({"name": "bench", "password": "mật-khẩu-đo-tải"}).encode()
        opener.open(urllib.request.Request(url + "/login", data=form), timeout=60).read()
        return opener

    def timed(opener, path: str, data: bytes | None) -> tuple[float, bool]:
        start = time.perf_counter()
        request = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
        with opener.open(request, timeout=120) as answer:
            ok = answer.status == 200 and json.loads(answer.read())["command"] is not None
        return time.perf_counter() - start, ok

    openers = [client() for _ in range(clients)]
    timed(openers[0], "/api/register", None)
    results: dict[str, list] = {"list": [], "check": []}

    def work(i: int) -> None:
        opener = openers[i % clients]
        what, path, data = (("list", "/api/register", None) if i % 2 else ("check", "/api/check/request", payload))
        results[what].append(timed(opener, path, data))

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(work, range(requests)))
    wall = time.perf_counter() - start  # the server's thread ends with the process (closing it under its loop raises)
    lost = sum(not ok for kind in results.values() for _, ok in kind)
    print(f"register: {requests} requests from {clients} clients in {wall:.1f} s ({requests / wall:.1f}/s); "
          f"lost {lost}; list {_percentiles([t for t, _ in results['list']])}; "
          f"check {_percentiles([t for t, _ in results['check']])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pdfs", type=int, default=5)
    parser.add_argument("--register", metavar="DB", help="a register: SQLite file, PostgreSQL URL, or `sqlite`")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    if args.register:
        with tempfile.TemporaryDirectory() as tmp:
            location = str(Path(tmp) / "register.sqlite") if args.register == "sqlite" else args.register
            open_cost(location)
            register_load(location, args.requests, args.clients)
        return
    load(args.renders, args.clients)
    if args.pdfs:
        pdfs(args.pdfs)


if __name__ == "__main__":
    main()
