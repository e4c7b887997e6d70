"""Server choice: wrk, 1 thread, 16 connections, one server process each.

    python -m bench.compare [--duration 10] [--servers daphne,uvicorn,...]
                            [--endpoints hello,hello-drf,news,...]

Prints a markdown table and writes it to bench/results/compare.md.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
from pathlib import Path

from bench.machine import machine_block
from bench.servers import ResourceSampler, Server

RESULTS = Path(__file__).resolve().parent / "results"
SERVERS = ["daphne", "uvicorn", "gunicorn", "granian-asgi", "granian-wsgi"]
UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


POSTS = {
    "M11 register-token": {
        "deviceType": "android",
        "deviceToken": None,
        "language": "uz",
        "usesWebSocket": True,
    },
    "staff cashback/add": "credit",  # body built from the client id
}
# The app registers its device once per launch: many devices, each row touched
# now and then, not one row thousands of times a second (whose dead versions
# pile up in its indexes until autovacuum runs).
MANY_DEVICES = "M11 register-token (5000 devices)"
POSTS[MANY_DEVICES] = POSTS["M11 register-token"]


def endpoints(tokens: dict) -> dict[str, tuple[str, str | None]]:
    """name -> (path, bearer token or None); POSTS names are POSTed."""
    # A client no load run touches (runs use the first 64 and credit them).
    c = tokens["clients"][100]
    return {
        "M11 register-token": ("/api/v1/notifications/register-token", c["access"]),
        MANY_DEVICES: ("/api/v1/notifications/register-token", None),
        "staff cashback/add": ("/api/v1/cashback/add", tokens["manager"]),
        "hello": ("/bench/hello", None),
        "hello-drf": ("/bench/hello-drf", None),
        "health/live": ("/api/v1/health/live", None),
        "M12 news": ("/api/v1/news", None),
        "M12 news (client token)": ("/api/v1/news", c["access"]),
        "M13 catalog/live (client token)": ("/api/v1/catalog/live", c["access"]),
        "M13 catalog/live": ("/api/v1/catalog/live", None),
        # As the app asks: its token and `Accept-Encoding: gzip` (dart:io sends it).
        "M12 news (app)": ("/api/v1/news", c["access"]),
        "M13 catalog/live (app)": ("/api/v1/catalog/live", c["access"]),
        "M3 auth/me": ("/api/v1/auth/me", c["access"]),
        "M8 cashback/user": (f"/api/v1/cashback/user/{c['id']}", c["access"]),
        "M9 notifications?limit=1": (
            "/api/v1/notifications/clients?limit=1",
            c["access"],
        ),
    }


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    return float(m.group(1)) * UNIT[m.group(2)] if m else float("nan")


GZIP = {"M12 news (app)", "M13 catalog/live (app)"}


def wrk(
    url: str,
    token: str | None,
    duration: int,
    connections: int = 16,
    body: dict | None = None,
    gzip: bool = False,
    rotate: list[str] | None = None,
) -> dict:
    """wrk's figures; `rotate`: a token per request, taken from the list in turn."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if token:
        cmd[1:1] = ["-H", f"Authorization: Bearer {token}"]
    if gzip:
        cmd[1:1] = ["-H", "Accept-Encoding: gzip"]
    if body is not None:
        script = RESULTS / "post.lua"
        lua = (
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(json.dumps(body))}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        if rotate:
            listed = ",\n".join(json.dumps(t) for t in rotate)
            lua += (
                f"local tokens = {{{listed}}}\n"
                "local i = 0\n"
                "request = function()\n"
                "  i = i % #tokens + 1\n"
                '  wrk.headers["Authorization"] = "Bearer " .. tokens[i]\n'
                "  return wrk.format()\n"
                "end\n"
            )
        script.write_text(lua)
        cmd[1:1] = ["-s", str(script)]
    out = subprocess.run(
        cmd, capture_output=True, text=True, timeout=duration + 30
    ).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    result = {"rps": float(rps.group(1)) if rps else 0.0}
    for pct in ("50", "90", "99"):
        m = re.search(rf"^\s+{pct}%\s+(\S+)", out, re.M)
        result[f"p{pct}_ms"] = _ms(m.group(1)) if m else float("nan")
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    sock = re.search(r"Socket errors: (.*)", out)
    result["errors"] = int(non2xx.group(1)) if non2xx else 0
    result["socket_errors"] = sock.group(1) if sock else ""
    return result


def compare(
    servers: list[str], names: list[str], duration: int, port: int, rounds: int = 1
) -> list[dict]:
    """One row per server and endpoint; with `rounds` > 1 every endpoint (the
    hello view included) is measured that many times, interleaved, and each
    figure is the median of its runs: this machine's neighbours move a single
    run by 10-15 %."""
    tokens = json.loads((RESULTS / "tokens.json").read_text())
    table = endpoints(tokens)
    devices = [c["access"] for c in tokens["clients"][1000:6000]]
    client_id = tokens["clients"][-1]["id"]  # credits go to a client nobody reads
    rows = []
    for kind in servers:
        with Server(kind, port) as server:
            pids = [server.proc.pid]
            runs: dict[str, list[dict]] = {}
            for _ in range(rounds):
                for name in names if kind != "bare-asgi" else ["bare"]:
                    runs.setdefault(name, []).append(
                        _measure(
                            server, pids, name, table, duration, client_id, devices
                        )
                    )
            for name, measured in runs.items():
                rows.append({"server": kind, "endpoint": name, **_median(measured)})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def _median(runs: list[dict]) -> dict:
    """Each numeric figure's median over `runs`; errors summed; the run count."""
    out: dict = {"runs": len(runs)}
    for key, value in runs[0].items():
        if key == "errors":
            out[key] = sum(r[key] for r in runs)
        elif isinstance(value, int | float):
            out[key] = statistics.median(r[key] for r in runs)
        else:
            out[key] = "; ".join(sorted({str(r[key]) for r in runs if r[key]}))
    return out


def _measure(
    server: Server,
    pids: list[int],
    name: str,
    table: dict,
    duration: int,
    client_id: int,
    devices: list[str],
) -> dict:
    """One wrk run of endpoint `name` (after a 2 s warm-up), with the server's CPU
    and memory."""
    path, token = table.get(name, ("/", None))
    url = server.base + path
    body = POSTS.get(name)
    if body == "credit":
        body = {"user_id": client_id, "amount": 1000, "source": "MANUAL"}
    gz = name in GZIP
    rotate = devices if name == MANY_DEVICES else None
    wrk(url, token, 2, body=body, gzip=gz, rotate=rotate)  # caches, imports
    with ResourceSampler(pids) as sampler:
        r = wrk(url, token, duration, body=body, gzip=gz, rotate=rotate)
    return {**r, **sampler.summary()}


CACHED_PUBLIC = {
    "M12 news",
    "M13 catalog/live",
    "M12 news (client token)",
    "M13 catalog/live (client token)",
    *GZIP,
}


def _target(row: dict, hello: dict[str, float]) -> str:
    """Issue 9's per-process targets: cached public reads >= 50 % of the Django
    hello-world under the same server, other mobile endpoints >= 25 %, p99 < 50 ms."""
    base = hello.get(row["server"])
    if not base or not row["endpoint"].startswith("M"):
        return ""
    share = row["rps"] / base * 100
    need = 50 if row["endpoint"] in CACHED_PUBLIC else 25
    ok = share >= need and row["p99_ms"] < 50 and not row["errors"]
    return f"{share:.0f} % (target {need} %, p99 < 50 ms): {'met' if ok else 'NOT met'}"


def markdown(rows: list[dict]) -> str:
    hello = {r["server"]: r["rps"] for r in rows if r["endpoint"] == "hello"}
    head = (
        "| server | endpoint | req/s | p50 ms | p90 ms | p99 ms | non-2xx | server CPU % | RSS MB | share of hello |\n"
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|\n"
    )
    body = "".join(
        f"| {r['server']} | {r['endpoint']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
        f"{r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | {r['cpu_avg']:.0f} | "
        f"{r['rss_max_mb']:.0f} | {_target(r, hello)} |\n"
        for r in rows
    )
    return head + body


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--duration", type=int, default=10)
    p.add_argument("--servers", default=",".join(SERVERS))
    p.add_argument("--endpoints", default="hello,hello-drf")
    p.add_argument("--port", type=int, default=8701)
    p.add_argument("--out", default="compare")
    p.add_argument("--other-load", default="")
    p.add_argument("--rounds", type=int, default=1)
    a = p.parse_args()
    servers = a.servers.split(",")
    names = a.endpoints.split(",")
    command = (
        f"python -m bench.compare --duration {a.duration} --servers {a.servers} "
        f"--endpoints '{a.endpoints}' --out {a.out}"
        + (f" --rounds {a.rounds}" if a.rounds > 1 else "")
    )
    header = machine_block(command, other_load=a.other_load)
    rows = compare(servers, names, a.duration, a.port, a.rounds)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{a.out}.json").write_text(json.dumps(rows, indent=1))
    note = (
        f"\nEach figure is the median of {a.rounds} interleaved runs.\n"
        if a.rounds > 1
        else ""
    )
    md = header + note + "\n" + markdown(rows)
    (RESULTS / f"{a.out}.md").write_text(md)
    print(md)


if __name__ == "__main__":
    main()
