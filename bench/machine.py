"""What a benchmark ran on: written beside every table."""

from __future__ import annotations

import datetime as dt
import os
import subprocess


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout
    except OSError:
        return ""


def machine_block(command: str, dataset: str = "", other_load: str = "") -> str:
    """A markdown block: command, date, machine, dataset, concurrent load."""
    free = _run(["free", "-h"]).rstrip()
    cpu = ""
    for line in _run(["lscpu"]).splitlines():
        if line.startswith("Model name:"):
            cpu = line.split(":", 1)[1].strip()
    load = os.getloadavg()
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"- Command: `{command}`",
        f"- Date: {now}",
        f"- Machine: nproc={os.cpu_count()}, {cpu or 'CPU model unknown'}; "
        f"load average before the run {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}",
        f"- Other load: {other_load or 'not recorded'}",
    ]
    if dataset:
        lines.append(f"- Dataset: {dataset}")
    lines += ["", "```", "$ free -h", free, "```", ""]
    return "\n".join(lines)
