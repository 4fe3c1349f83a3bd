"""formgen serve under load on 127.0.0.1, and a single letter's PDF cold and warm.

    python benchmarks/web_load.py [--renders 200] [--clients 8] [--pdfs 5]

- Load: `renders` POST /api/render/request (DOCX) from `clients` concurrent clients over real HTTP to
  waitress on 127.0.0.1; every answer must be a whole .docx (none lost); p50/p95/max latency.
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


def serve(threads: int):
    import waitress
    server = waitress.create_server(create_app(), host="127.0.0.1", port=0, threads=threads)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--pdfs", type=int, default=5)
    args = parser.parse_args()
    load(args.renders, args.clients)
    if args.pdfs:
        pdfs(args.pdfs)


if __name__ == "__main__":
    main()
