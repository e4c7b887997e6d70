"""Write docs/PERFORMANCE.md: every `<!-- bench:NAME -->` block is replaced by
bench/results/NAME.md (the text between the marker and `<!-- /bench -->`)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "PERFORMANCE.md"
RESULTS = ROOT / "bench" / "results"
BLOCK = re.compile(r"(<!-- bench:([\w.-]+) -->\n)(.*?)(<!-- /bench -->)", re.S)


def render(text: str) -> str:
    def fill(m: re.Match) -> str:
        fragment = RESULTS / f"{m.group(2)}.md"
        body = fragment.read_text() if fragment.exists() else "_(not run yet)_\n"
        return m.group(1) + body + m.group(4)

    return BLOCK.sub(fill, text)


def main() -> None:
    DOC.write_text(render(DOC.read_text()))
    print(f"wrote {DOC.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
