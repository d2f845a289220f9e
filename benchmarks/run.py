#!/usr/bin/env python3
"""Benchmark ``outrank-cli rank`` against the read floor, side by side, in one run.

Usage::

    python benchmarks/run.py                       # 1M and 5M rows, 3 repeats
    python benchmarks/run.py --rows 1000000 --repeats 5
    python benchmarks/run.py --quick --results /tmp/R.md --data-dir /tmp/data   # smoke test

For each size the table ``t_<rows>.csv`` is generated (by ``generate.py``) when missing.
Then, for every repeat, for every size, each command below runs in a fresh subprocess and its
whole-process wall time and peak RSS are measured (GNU ``/usr/bin/time -v`` when available,
else ``os.wait4`` rusage of the child):

* ``rank``  - ``outrank-cli rank FILE --target y --format json --quiet``; the exit code must
  be 0, the JSON is parsed and the ranking is scored against the planted ground truth
  (top-k hit = share of the k informative columns found in the top k ranks);
* ``floor`` - a Python subprocess where polars scans the same CSV and counts the distinct
  values of every column: ``pl.scan_csv(path).select(pl.all().n_unique()).collect()``.

Medians over repeats, the ratio rank/floor and RSS(largest)/RSS(smallest) go to stdout as
markdown and to ``--results`` (default ``benchmarks/RESULTS.md``). Targets: rank <= 2x floor,
RSS(5M) <= 1.3x RSS(1M). The script exits 1 when a measured command fails, never because a
target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
GENERATE = HERE / "generate.py"
DEFAULT_ROWS = [1_000_000, 5_000_000]
QUICK_ROWS = [20_000, 50_000]
TIME_TARGET = 2.0  # rank wall <= 2x floor wall
RSS_TARGET = 1.3  # RSS(largest) <= 1.3x RSS(smallest)

FLOOR_CODE = (
    "import sys, polars as pl; pl.scan_csv(sys.argv[1]).select(pl.all().n_unique()).collect()"
)

TABLE_HEADER = [
    "rows",
    "command",
    "runs",
    "wall median (s)",
    "wall min (s)",
    "wall max (s)",
    "peak RSS median (MiB)",
    "top-k hit",
]


# -- measuring ------------------------------------------------------------------------------
def gnu_time() -> str | None:
    """Path of GNU time if it supports ``-v``, else None."""
    path = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if path is None:
        return None
    try:
        probe = subprocess.run([path, "-v", "true"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    return path if probe.returncode == 0 and "Maximum resident set size" in probe.stderr else None


@dataclass
class Run:
    wall: float
    rss_mib: float
    returncode: int
    stdout: str
    stderr: str


def measure(cmd: list[str], timer: str | None) -> Run:
    """Run ``cmd`` in a fresh process; whole-process wall time and peak RSS."""
    if timer is not None:
        with tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf:
            tpath = tf.name
        try:
            t0 = time.perf_counter()
            proc = subprocess.run([timer, "-v", "-o", tpath, *cmd], capture_output=True, text=True)
            wall = time.perf_counter() - t0
            report = Path(tpath).read_text()
        finally:
            os.unlink(tpath)
        m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", report)
        rss_kib = int(m.group(1)) if m else -1
        status = re.search(r"Exit status:\s*(\d+)", report)
        code = int(status.group(1)) if status else proc.returncode
        return Run(wall, rss_kib / 1024, code, proc.stdout, proc.stderr)
    # fallback: rusage of exactly this child (ru_maxrss is KiB on Linux)
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        rss_mib = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)  # bytes vs KiB
        return Run(wall, rss_mib, proc.returncode, out.read(), err.read())


# -- data -----------------------------------------------------------------------------------
def ensure_data(rows: int, columns: int, seed: int, data_dir: Path) -> tuple[Path, dict[str, Any]]:
    csv = data_dir / (f"t_{rows}.csv" if columns == 30 else f"t_{rows}_c{columns}.csv")
    truth_path = csv.with_name(csv.stem + ".truth.json")
    if csv.exists() and truth_path.exists():
        truth = json.loads(truth_path.read_text())
        if (truth.get("rows"), truth.get("columns"), truth.get("seed")) == (rows, columns, seed):
            return csv, truth
    cmd = [
        sys.executable,
        str(GENERATE),
        "--rows",
        str(rows),
        "--columns",
        str(columns),
        "--seed",
        str(seed),
        "--out",
        str(csv),
    ]
    print(f"generating: {shlex.join(cmd)}", file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return csv, json.loads(truth_path.read_text())


def warm_page_cache(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


# -- scoring the ranking --------------------------------------------------------------------
def score_ranking(stdout: str, truth: dict[str, Any]) -> dict[str, Any]:
    doc = json.loads(stdout)
    features = sorted(doc["features"], key=lambda f: f["rank"])
    names = [f["name"] for f in features]
    informative = list(truth["informative"])
    k = len(informative)
    top = names[:k]
    rank_of = {n: i + 1 for i, n in enumerate(names)}
    return {
        "hit": len(set(top) & set(informative)) / k if k else float("nan"),
        "k": k,
        "rows_reported": doc.get("input", {}).get("rows"),
        "missed": [(n, rank_of.get(n)) for n in informative if n not in top],
        "intruders": [(n, rank_of[n]) for n in top if n not in informative],
        "worst_informative_rank": max(
            (rank_of.get(n, len(names) + 1) for n in informative), default=None
        ),
        "id_rank": [(n, rank_of.get(n)) for n in truth.get("id_like", [])],
        "timings": doc.get("timings", {}),
    }


# -- machine / provenance -------------------------------------------------------------------
def machine_info(rank_cmd: list[str]) -> dict[str, str]:
    info: dict[str, str] = {}
    info["nproc"] = str(
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    )
    try:
        mem_kib = int(re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        info["memory"] = f"{mem_kib / 2**20:.1f} GiB"
    except (OSError, AttributeError):
        info["memory"] = "unknown"
    try:
        m = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        info["cpu"] = m.group(1).strip() if m else platform.processor() or "unknown"
    except OSError:
        info["cpu"] = platform.processor() or "unknown"
    info["platform"] = platform.platform()
    info["python"] = platform.python_version()
    for mod in ("polars", "numpy", "numba"):
        try:
            info[mod] = __import__(mod).__version__
        except ImportError:
            info[mod] = "not installed"
    try:
        info["outrank-cli"] = subprocess.run(
            [*rank_cmd, "--version"], capture_output=True, text=True, timeout=60
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        info["outrank-cli"] = "unknown"
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        info["git"] = (head + (" (uncommitted changes)" if dirty else "")) if head else "unknown"
    except (OSError, subprocess.SubprocessError):
        info["git"] = "unknown"
    return info


# -- report ---------------------------------------------------------------------------------
def fmt_rows(n: int) -> str:
    return f"{n:,}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


@dataclass
class Cell:
    runs: list[Run] = field(default_factory=list)
    scores: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def walls(self) -> list[float]:
        return [r.wall for r in self.runs if r.returncode == 0]

    def rss(self) -> list[float]:
        return [r.rss_mib for r in self.runs if r.returncode == 0]


def med(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def build_report(
    sizes: list[int],
    cells: dict[tuple[int, str], Cell],
    commands: dict[str, list[str]],
    info: dict[str, str],
    invocation: str,
    repeats: int,
    quick: bool,
    timer: str | None,
    columns: int,
    data_dir: str,
) -> tuple[str, str]:
    """(main table, full markdown document)."""
    rows = []
    for n in sizes:
        for name in commands:
            c = cells[(n, name)]
            w = c.walls()
            hit = "-"
            if name == "rank":
                hits = [s["hit"] for s in c.scores]
                hit = f"{med(hits):.2f}" if hits else "-"
            rows.append(
                [
                    fmt_rows(n),
                    name,
                    str(len(w)),
                    f"{med(w):.2f}" if w else "FAILED",
                    f"{min(w):.2f}" if w else "-",
                    f"{max(w):.2f}" if w else "-",
                    f"{med(c.rss()):.0f}" if w else "-",
                    hit,
                ]
            )
    main = md_table(TABLE_HEADER, rows)

    summary_rows = []
    for n in sizes:
        r, f = cells[(n, "rank")], cells[(n, "floor")]
        rw, fw = med(r.walls()), med(f.walls())
        ratio = rw / fw if r.walls() and f.walls() else float("nan")
        summary_rows.append(
            [
                fmt_rows(n),
                f"{rw:.2f}",
                f"{fw:.2f}",
                f"{ratio:.2f}",
                "yes" if ratio <= TIME_TARGET else "**no**",
                f"{med(r.rss()):.0f}",
                f"{med(f.rss()):.0f}",
            ]
        )
    summary = md_table(
        [
            "rows",
            "rank (s)",
            "floor (s)",
            "rank / floor",
            f"<= {TIME_TARGET:g}x floor",
            "rank peak RSS (MiB)",
            "floor peak RSS (MiB)",
        ],
        summary_rows,
    )
    small, large = min(sizes), max(sizes)
    rss_small, rss_large = med(cells[(small, "rank")].rss()), med(cells[(large, "rank")].rss())
    rss_ratio = rss_large / rss_small if rss_small == rss_small and rss_small > 0 else float("nan")
    rss_line = (
        f"rank RSS({fmt_rows(large)}) / RSS({fmt_rows(small)}) = **{rss_ratio:.2f}** "
        f"(target <= {RSS_TARGET:g}: {'met' if rss_ratio <= RSS_TARGET else 'NOT met'})"
        if large != small
        else "only one size measured: no RSS ratio"
    )

    quality = []
    for n in sizes:
        sc = cells[(n, "rank")].scores
        if not sc:
            quality.append(f"- {fmt_rows(n)} rows: no successful rank run")
            continue
        s = sc[-1]
        t = {k: med([x["timings"].get(k, float("nan")) for x in sc]) for k in s["timings"]}
        tim = ", ".join(f"{k} {v:.2f}" for k, v in t.items())
        quality.append(
            f"- {fmt_rows(n)} rows: top-{s['k']} hit {s['hit']:.2f}; worst rank of an informative "
            f"column {s['worst_informative_rank']}; missed {s['missed'] or 'none'}; "
            f"noise in top-{s['k']} {s['intruders'] or 'none'}; ID-like column rank "
            f"{s['id_rank'] or '-'}; rows reported {s['rows_reported']:,}; "
            f"rank's own timings (median s): {tim}"
        )

    failures = [
        f"- {fmt_rows(n)} {name}: {msg}" for (n, name), c in cells.items() for msg in c.failures
    ]

    measured = "GNU time -v (max RSS of the process)" if timer else "os.wait4 rusage of the child"
    doc = [
        "# outrank-cli benchmark results",
        "",
        *(
            ["> **Smoke test (`--quick`)**: tiny sizes, timings are not meaningful.", ""]
            if quick
            else []
        ),
        f"- date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- machine: nproc {info['nproc']}, total memory {info['memory']}, {info['cpu']}",
        f"- platform: {info['platform']}; python {info['python']}; polars {info['polars']}; "
        f"numpy {info['numpy']}; numba {info['numba']}; {info['outrank-cli']}; git {info['git']}",
        f"- command: `{invocation}` (from the repository root)",
        f"- data: `benchmarks/generate.py --columns {columns} --seed 0` (CSV), repeats {repeats}, "
        "interleaved (repeat -> size -> command), page cache warmed and numba cache primed "
        "before timing",
        "- measured: whole-process wall time and peak RSS, each command in a fresh subprocess; "
        f"{measured}",
        f"- targets: rank <= {TIME_TARGET:g}x floor wall time; "
        f"RSS({fmt_rows(large)}) <= {RSS_TARGET:g}x RSS({fmt_rows(small)})",
        "",
        f"Commands (FILE = `{data_dir}/t_<rows>.csv`):",
        "",
        f"- rank: `{shlex.join(commands['rank'])}`",
        f"- floor: `{shlex.join(commands['floor'])}`",
        "",
        "## Per command",
        "",
        main,
        "",
        "## rank vs floor",
        "",
        summary,
        "",
        rss_line,
        "",
        "## Ranking quality (planted ground truth)",
        "",
        *quality,
        "",
    ]
    if failures:
        doc += ["## Failures", "", *failures, ""]
    return main, "\n".join(doc) + "\n"


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


# -- main -----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=None,
        help=f"table sizes (default {' '.join(map(str, DEFAULT_ROWS))}; --quick: "
        f"{' '.join(map(str, QUICK_ROWS))})",
    )
    ap.add_argument(
        "--repeats", type=int, default=None, help="repeats per command (default 3; --quick: 1)"
    )
    ap.add_argument("--quick", action="store_true", help="tiny sizes and one repeat: a smoke test")
    ap.add_argument("--columns", type=int, default=30, help="columns per table including y")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", type=Path, default=HERE / "data")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args(argv)
    sizes = sorted(set(args.rows or (QUICK_ROWS if args.quick else DEFAULT_ROWS)))
    repeats = args.repeats or (1 if args.quick else 3)
    invocation = shlex.join(
        ["python", *(sys.argv if argv is None else ["benchmarks/run.py", *argv])]
    )

    exe = shutil.which("outrank-cli")
    rank_base = [exe] if exe else [sys.executable, "-m", "outrank_cli"]
    timer = gnu_time()

    data = {n: ensure_data(n, args.columns, args.seed, args.data_dir) for n in sizes}
    # flush freshly generated files first: disk write-back would otherwise slow the first runs
    if hasattr(os, "sync"):
        os.sync()
    for path, _ in data.values():
        warm_page_cache(path)
    # prime numba's on-disk cache so no measured run pays for compilation
    prime = measure(
        [
            *rank_base,
            "rank",
            str(data[sizes[0]][0]),
            "--target",
            "y",
            "--format",
            "json",
            "--quiet",
        ],
        None,
    )
    if prime.returncode != 0:
        print(
            f"warning: warm-up rank run failed ({prime.returncode}): {prime.stderr.strip()[-500:]}",
            file=sys.stderr,
        )

    def commands_for(path: Path) -> dict[str, list[str]]:
        return {
            "rank": [*rank_base, "rank", str(path), "--target", "y", "--format", "json", "--quiet"],
            "floor": [sys.executable, "-c", FLOOR_CODE, str(path)],
        }

    cells = {(n, name): Cell() for n in sizes for name in ("rank", "floor")}
    for rep in range(repeats):
        for n in sizes:
            path, truth = data[n]
            for name, cmd in commands_for(path).items():
                run = measure(cmd, timer)
                cell = cells[(n, name)]
                cell.runs.append(run)
                status = "ok"
                if run.returncode != 0:
                    cell.failures.append(f"exit {run.returncode}: {run.stderr.strip()[-500:]}")
                    status = f"FAILED (exit {run.returncode})"
                elif name == "rank":
                    try:
                        cell.scores.append(score_ranking(run.stdout, truth))
                        status = f"top-k hit {cell.scores[-1]['hit']:.2f}"
                    except (ValueError, KeyError, TypeError) as error:
                        cell.failures.append(f"bad JSON: {error!r}")
                        run.returncode = -1
                        status = "FAILED (bad JSON)"
                print(
                    f"[{rep + 1}/{repeats}] {fmt_rows(n):>10} rows  {name:<5}  "
                    f"{run.wall:7.2f}s  {run.rss_mib:8.0f} MiB  {status}",
                    file=sys.stderr,
                    flush=True,
                )

    shown = commands_for(Path("FILE"))
    shown["rank"][: len(rank_base)] = ["outrank-cli"] if exe else ["python", "-m", "outrank_cli"]
    shown["floor"][0] = "python"
    _, document = build_report(
        sizes,
        cells,
        shown,
        machine_info(rank_base),
        invocation,
        repeats,
        args.quick,
        timer,
        args.columns,
        display_path(args.data_dir),
    )
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(document)
    print(document)
    print(f"wrote {args.results}", file=sys.stderr)
    return 1 if any(c.failures for c in cells.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
