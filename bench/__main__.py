"""``make bench`` / ``python -m bench``: every scale item against its floor, in one run, in one table.

Each item is a module with ``run(n) -> list[dict]`` whose rows hold ``what``, ``N``,
``seconds``, ``floor_seconds`` and ``ratio`` (plus anything else, e.g. ``peak_mib``):

* ``bench.sync``: the Watcher pull vs paging the same streams with plain requests;
* ``bench.billing``: the billing run vs its SQL floor (when present);
* ``bench.pages``: the Usages page vs its own SQL, and under gunicorn vs a trivial page (when present),
  always for the issue's 1,000-camera organization (an item's ``SIZES``, when it has one, replace
  the N list; ``python -m bench.pages N`` measures another size).

Sizes: 10,000 and 100,000 by default; ``BENCH_1M=1`` adds 1,000,000; ``--n`` (or
``make bench N=...``, comma-separated) replaces the list.  ``--only sync,billing``
picks items.  The table is printed at the end and saved to bench/results/latest.json
(not committed).  ``--classic`` also runs the first benchmarks (bench/classic.py).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"
ITEMS = ("sync", "billing", "pages")
DEFAULT_SIZES = (10_000, 100_000)


def sizes(text: str | None, one_million: bool) -> list[int]:
    """The N to run: ``text`` (comma-separated, ``_`` allowed) or the defaults (+1M when asked)."""
    if text:
        return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    return [*DEFAULT_SIZES, *((1_000_000,) if one_million else ())]


def collect(items: list[str], ns: list[int]) -> list[dict[str, Any]]:
    """Run every item at every N; a missing module is noted, a failing one gives an error row."""
    rows: list[dict[str, Any]] = []
    for item in items:
        try:
            module = importlib.import_module(f"bench.{item}")
        except ModuleNotFoundError as error:
            if error.name != f"bench.{item}":
                raise
            print(f"bench: {item}: no bench/{item}.py in this tree, skipped", file=sys.stderr)
            continue
        for n in getattr(module, "SIZES", None) or ns:
            print(f"bench: {item} at N={n:,} ...", file=sys.stderr, flush=True)
            started = time.perf_counter()
            try:
                found = list(module.run(n))
            except Exception as error:  # one item failing must not hide the others' figures
                traceback.print_exc()
                found = [{"what": f"{item}: FAILED ({type(error).__name__}: {error})", "N": n}]
            print(f"bench: {item} at N={n:,} took {time.perf_counter() - started:.0f} s", file=sys.stderr)
            rows.extend(found)
    return rows


def _cell(value: Any, digits: int = 3) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


MAIN_KEYS = ("what", "N", "seconds", "floor_seconds", "ratio", "peak_mib")


def table(rows: list[dict[str, Any]]) -> str:
    """One Markdown table: what, N, seconds, floor, ratio, peak MiB and the rows' other figures."""
    head = ["what", "N", "seconds", "floor s", "ratio", "peak MiB", "other"]
    lines = [head]
    for row in rows:
        other = ", ".join(
            f"{k}={json.dumps(v) if isinstance(v, dict | list) else v}" for k, v in row.items() if k not in MAIN_KEYS
        )
        ratio = row.get("ratio")
        lines.append(
            [
                str(row.get("what", "?")),
                _cell(row.get("N")),
                _cell(row.get("seconds")),
                _cell(row.get("floor_seconds")),
                f"{ratio:.2f}×" if isinstance(ratio, int | float) else _cell(ratio),
                _cell(row.get("peak_mib"), 1),
                other,
            ]
        )
    widths = [max(len(line[i]) for line in lines) for i in range(len(head) - 1)]
    out = []
    for index, line in enumerate(lines):
        cells = [cell.ljust(widths[i]) if i < len(widths) else cell for i, cell in enumerate(line)]
        out.append("| " + " | ".join(cells) + " |")
        if index == 0:
            out.append("|" + "|".join("-" * (w + 2) for w in [*widths, len(head[-1])]) + "|")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Run, print the table, save the figures."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", default=os.environ.get("N") or None, help="sizes, comma-separated")
    parser.add_argument("--only", default="", help=f"items, comma-separated (of {', '.join(ITEMS)})")
    parser.add_argument("--classic", action="store_true", help="also run bench/classic.py")
    args = parser.parse_args(argv)
    items = [i for i in args.only.split(",") if i] or list(ITEMS)
    unknown = sorted(set(items) - set(ITEMS))
    if unknown:
        parser.error(f"unknown item(s): {', '.join(unknown)}")
    ns = sizes(args.n, os.environ.get("BENCH_1M", "") not in ("", "0"))
    rows = collect(items, ns)
    if args.classic:
        from bench import classic

        classic.main([])
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"sizes": ns, "rows": rows}, indent=2, default=str))
    print()
    print(table(rows))
    return 1 if any(str(r.get("what", "")).endswith(")") and "FAILED" in str(r.get("what")) for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
