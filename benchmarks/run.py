#!/usr/bin/env python3
"""Benchmark outrank-cli against the read floor, OutRank 0.97.5, scikit-learn and mrmr.

Usage (from the repository root)::

    python benchmarks/run.py                  # the full benchmark -> benchmarks/RESULTS.md
    python benchmarks/run.py --quick --results /tmp/R.md --data-dir /tmp/bench   # smoke test

Everything is measured side by side in one run: for every repeat, for every table size, every
command runs once in a fresh process (interleaved, so drift in the machine's load hits all
commands alike), and the report quotes medians over the repeats. Wall time and peak RSS are of
the whole process (GNU ``/usr/bin/time -v``; ``os.wait4`` rusage when GNU time is missing).

Commands (see benchmarks/README.md for the details and the quality measures):

* ours, from a clean virtual environment (``benchmarks/.venvs/ours``, a plain
  ``pip install`` of the working tree, no dev extras): ``rank``, ``select --k 20`` and
  ``check`` on CSV, and ``rank`` on a Parquet copy of the same rows;
* read floors, with the same polars: ``n_unique`` of every column (the floor of the targets)
  and the stricter pure-parse floor ``null_count`` with the streaming engine, on CSV and Parquet;
* OutRank 0.97.5 (own environment) at 200k rows only by default (about a minute per 200k rows);
* scikit-learn ``mutual_info_classif(discrete_features=True)`` and ``mrmr_classif(K=20)``
  (own environment) on the table loaded and ordinal-encoded in memory, up to 1M rows;
* extras: ``select --k 20`` on 1M rows x 100 columns, ``outrank-cli --help``, and ``rank`` on
  ``sample_data/adult.csv`` as installed (kernels compiled at install) and, for comparison,
  the first run of the JIT fallback (``OUTRANK_CLI_KERNELS=jit``, a fresh ``NUMBA_CACHE_DIR``).

The script exits 1 when a measured command fails, never because a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
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
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

import envs  # noqa: E402
from generate import GENERATOR_VERSION  # noqa: E402

GENERATE = HERE / "generate.py"
PEERS = HERE / "peers.py"
ADULT = REPO / "sample_data" / "adult.csv"

DEFAULT_ROWS = [200_000, 1_000_000, 5_000_000]
QUICK_ROWS = [10_000, 20_000]
WIDE_ROWS, QUICK_WIDE_ROWS, WIDE_COLUMNS = 1_000_000, 10_000, 100
SELECT_K = 20
COMMAND_TIMEOUT = 3600.0  # seconds; a command that takes longer counts as failed

# targets
FLOOR_TARGET = 1.5  # rank wall <= 1.5x the n_unique floor (CSV and Parquet)
OUTRANK_TARGET = 100.0  # rank >= 100x faster than OutRank on the same rows
WIDE_TARGET = 30.0  # select --k 20 on 1M x 100 < 30 s
RSS_TARGET = 1.3  # RSS(5M) <= 1.3x RSS(1M)
HELP_TARGET = 0.3  # outrank-cli --help < 0.3 s
ADULT_TARGET = 1.0  # later runs on sample_data/adult.csv < 1 s

FLOOR_CODE = {
    ("n_unique", "csv"): "import sys, polars as pl; "
    "pl.scan_csv(sys.argv[1]).select(pl.all().n_unique()).collect()",
    ("parse", "csv"): "import sys, polars as pl; "
    "pl.scan_csv(sys.argv[1]).select(pl.all().null_count()).collect(engine='streaming')",
    ("n_unique", "parquet"): "import sys, polars as pl; "
    "pl.scan_parquet(sys.argv[1]).select(pl.all().n_unique()).collect()",
    ("parse", "parquet"): "import sys, polars as pl; "
    "pl.scan_parquet(sys.argv[1]).select(pl.all().null_count()).collect(engine='streaming')",
}

TABLE_HEADER = [
    "rows",
    "command",
    "runs",
    "wall median (s)",
    "wall min (s)",
    "wall max (s)",
    "peak RSS median (MiB)",
    "tree RSS median (MiB)",
    "quality",
]
EXTRA_HEADER = ["measurement", *TABLE_HEADER[2:]]

# command names, in table order
RANK_CSV, SELECT, CHECK, RANK_PQ = (
    "rank (csv)",
    f"select --k {SELECT_K} (csv)",
    "check (csv)",
    ("rank (parquet)"),
)
FLOOR_NU_CSV, FLOOR_PARSE_CSV = "floor n_unique (csv)", "floor parse (csv)"
FLOOR_NU_PQ, FLOOR_PARSE_PQ = "floor n_unique (parquet)", "floor parse (parquet)"
OUTRANK, SK_MI, MRMR = "OutRank 0.97.5", "sklearn mutual_info_classif", f"mrmr_classif K={SELECT_K}"
WIDE, HELP, ADULT_COLD, ADULT_WARM = (
    f"select --k {SELECT_K}, {{rows}} rows x {WIDE_COLUMNS} columns",
    "outrank-cli --help",
    "rank sample_data/adult.csv, first run of the JIT fallback (cold numba cache)",
    "rank sample_data/adult.csv, later runs",
)


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
    rss_mib: float  # peak RSS of the largest single process (GNU time / rusage)
    tree_mib: float  # peak of the summed RSS of the process tree, sampled
    returncode: int
    stdout: str
    stderr: str


PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _descendants(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    kids = [int(k) for k in fh.read().split()]
                out += kids
                todo += kids
        except (OSError, ValueError):
            continue
    return out


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm") as fh:
            return int(fh.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


class TreeSampler:
    """Samples the summed RSS of a process's descendants every ``interval`` seconds."""

    def __init__(self, pid: int, include_root: bool, interval: float = 0.05) -> None:
        self.pid, self.include_root, self.interval = pid, include_root, interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self.enabled = os.path.exists(f"/proc/{pid}/task")

    def _loop(self) -> None:
        while not self._stop.is_set():
            pids = _descendants(self.pid) + ([self.pid] if self.include_root else [])
            self.peak = max(self.peak, sum(_rss_bytes(p) for p in pids))
            self._stop.wait(self.interval)

    def __enter__(self) -> TreeSampler:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()


def measure(
    cmd: list[str],
    timer: str | None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = COMMAND_TIMEOUT,
) -> Run:
    """Run ``cmd`` in a fresh process; whole-process wall time and peak RSS."""
    full_env = {**os.environ, **(env or {})}
    with (
        tempfile.NamedTemporaryFile("r", suffix=".time", delete=False) as tf,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        tpath = tf.name
        argv = [timer, "-v", "-o", tpath, *cmd] if timer else cmd
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, text=True, env=full_env, cwd=cwd)
        with TreeSampler(proc.pid, include_root=timer is None) as sampler:
            timed_out = False
            deadline = t0 + timeout
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.perf_counter() > deadline:
                    timed_out = True
                    for p in _descendants(proc.pid):
                        with contextlib.suppress(OSError):
                            os.kill(p, 9)
                    proc.kill()
                    _, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.005)
            wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
        report = Path(tpath).read_text() if timer else ""
        os.unlink(tpath)
    code = proc.returncode
    if timer:
        m = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", report)
        rss_mib = int(m.group(1)) / 1024 if m else float("nan")
        status_m = re.search(r"Exit status:\s*(\d+)", report)
        if status_m:
            code = int(status_m.group(1))
    else:  # ru_maxrss is KiB on Linux, bytes on macOS
        rss_mib = usage.ru_maxrss / (2**20 if sys.platform == "darwin" else 2**10)
    if timed_out:
        code, stderr = -9, stderr + f"\n[benchmark] killed after {timeout:.0f} s"
    tree = sampler.peak / 2**20 if sampler.enabled and sampler.peak else float("nan")
    return Run(wall, rss_mib, tree, code, stdout, stderr)


# -- data -----------------------------------------------------------------------------------
def csv_name(rows: int, columns: int) -> str:
    return f"t_{rows}.csv" if columns == 30 else f"t_{rows}_c{columns}.csv"


def ensure_data(rows: int, columns: int, seed: int, data_dir: Path) -> tuple[Path, dict[str, Any]]:
    csv_path = data_dir / csv_name(rows, columns)
    truth_path = csv_path.with_name(csv_path.stem + ".truth.json")
    if csv_path.exists() and truth_path.exists():
        truth = json.loads(truth_path.read_text())
        have = (truth.get("rows"), truth.get("columns"), truth.get("seed"))
        if have == (rows, columns, seed) and truth.get("generator_version") == GENERATOR_VERSION:
            return csv_path, truth
    cmd = [sys.executable, str(GENERATE), "--rows", str(rows), "--columns", str(columns)]
    cmd += ["--seed", str(seed), "--out", str(csv_path), "--quiet"]
    print(f"generating: {shlex.join(cmd)}", file=sys.stderr, flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    parquet = csv_path.with_suffix(".parquet")
    if parquet.exists():
        parquet.unlink()  # stale: it was made from the previous CSV
    return csv_path, json.loads(truth_path.read_text())


def ensure_parquet(csv_path: Path) -> Path:
    """A Parquet copy of the CSV (same rows; polars' schema inference), made when missing."""
    pq = csv_path.with_suffix(".parquet")
    if pq.exists() and pq.stat().st_mtime >= csv_path.stat().st_mtime:
        return pq
    import polars as pl

    print(f"writing {pq}", file=sys.stderr, flush=True)
    tmp = pq.with_name(pq.name + ".partial")
    pl.scan_csv(csv_path, infer_schema_length=10_000).sink_parquet(tmp)
    tmp.replace(pq)
    return pq


def outrank_input(csv_path: Path, data_dir: Path, rows: int) -> Path:
    """OutRank reads DIR/data.csv: a directory holding a symlink to the table."""
    d = data_dir / f"outrank_{rows}"
    d.mkdir(parents=True, exist_ok=True)
    link = d / "data.csv"
    if link.is_symlink() or link.exists():
        if link.resolve() == csv_path.resolve():
            return d
        link.unlink()
    link.symlink_to(csv_path.resolve())
    return d


def head_copy(csv_path: Path, out_dir: Path, lines: int) -> Path:
    """DIR/data.csv holding the header and the first ``lines`` rows (for warm-up runs)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(csv_path) as src, open(out_dir / "data.csv", "w") as dst:
        for i, line in enumerate(src):
            if i > lines:
                break
            dst.write(line)
    return out_dir


def warm_page_cache(path: Path) -> None:
    with open(path, "rb") as fh:
        while fh.read(1 << 24):
            pass


# -- quality against the planted truth ------------------------------------------------------
@dataclass
class Quality:
    value: float  # the number in the table's quality column
    text: str  # e.g. "1.00 top-10"
    detail: str  # for the notes


def ranking_quality(names: list[str], truth: dict[str, Any]) -> Quality:
    """Top-k hit: share of the k informative columns among the first k of the ranking."""
    informative = list(truth["informative"])
    k = len(informative)
    top = names[:k]
    rank_of = {n: i + 1 for i, n in enumerate(names)}
    hit = len(set(top) & set(informative)) / k if k else float("nan")
    missed = [(n, rank_of.get(n)) for n in informative if n not in top]
    intruders = [(n, rank_of[n]) for n in top if n not in informative]
    ids = [(n, rank_of.get(n)) for n in truth.get("id_like", [])]
    detail = (
        f"top-{k} hit {hit:.2f}; missed {_pairs(missed)}; noise in the top {k} "
        f"{_pairs(intruders)}; ID-like column at rank {_pairs(ids)}"
    )
    return Quality(hit, f"{hit:.2f} top-{k}", detail)


def selection_quality(selected: list[str], truth: dict[str, Any], k: int) -> Quality:
    """Planted recall: planted columns covered by the selection / min(k, planted columns).

    A planted column is covered when it or one of its near-duplicates is selected (a
    near-duplicate carries the same information, so a selector that keeps one of the two does
    its job). Also reported: precision = share of the selection that is informative.
    """
    planted = list(truth["planted"])
    dups = {d: s for d, s in truth.get("near_duplicates", {}).items() if s in planted}
    chosen = set(selected)
    covered = [p for p in planted if p in chosen or any(s == p for d, s in dups.items() if d in chosen)]
    denom = min(k, len(planted))
    recall = len(covered) / denom if denom else float("nan")
    informative = set(truth["informative"])
    precision = len([s for s in selected if s in informative]) / len(selected) if selected else 0.0
    both = [p for p in planted if p in chosen and any(s == p for d, s in dups.items() if d in chosen)]
    missed = [p for p in planted if p not in covered]
    ids = [n for n in truth.get("id_like", []) if n in chosen]
    detail = (
        f"planted recall {len(covered)}/{denom} = {recall:.2f}; precision {precision:.2f} "
        f"({len([s for s in selected if s in informative])} of {len(selected)} selected are "
        f"informative); planted not covered {missed or 'none'}; planted selected together with "
        f"its near-duplicate {both or 'none'}; ID-like selected {ids or 'none'}"
    )
    return Quality(recall, f"{recall:.2f} recall {len(covered)}/{denom}", detail)


def check_quality(doc: dict[str, Any], truth: dict[str, Any]) -> Quality:
    """Planted problems found: the ID-like column(s) and the near-duplicate pairs."""
    findings = doc.get("findings", [])
    ids = set(truth.get("id_like", []))
    pairs = {frozenset((d, s)) for d, s in truth.get("near_duplicates", {}).items()}
    found_ids = {f["column"] for f in findings if f["code"] == "id_like"} & ids
    found_pairs = {
        frozenset((f["column"], f["other"]))
        for f in findings
        if f["code"] in ("near_duplicate", "duplicate") and f.get("other")
    } & pairs
    planted = len(ids) + len(pairs)
    found = len(found_ids) + len(found_pairs)
    value = found / planted if planted else float("nan")
    codes: dict[str, int] = {}
    for f in findings:
        codes[f"{f['code']}/{f['severity']}"] = codes.get(f"{f['code']}/{f['severity']}", 0) + 1
    extra = sorted(
        f"{f['code']}:{f['column']}" + (f"~{f['other']}" if f.get("other") else "")
        for f in findings
        if not (
            (f["code"] == "id_like" and f["column"] in ids)
            or (
                f["code"] in ("near_duplicate", "duplicate")
                and frozenset((f["column"], f.get("other"))) in pairs
            )
        )
    )
    detail = (
        f"planted problems found {found}/{planted} (ID-like {len(found_ids)}/{len(ids)}, "
        f"near-duplicate pairs {len(found_pairs)}/{len(pairs)}); findings by code "
        f"{codes or 'none'}; other findings {extra or 'none'}"
    )
    return Quality(value, f"{value:.2f} found {found}/{planted}", detail)


def _pairs(xs: list[tuple[str, Any]]) -> str:
    return ", ".join(f"{n} ({r})" for n, r in xs) if xs else "none"


def outrank_ranking(out_dir: Path, target: str) -> list[str]:
    """Features best first from OutRank's pairwise_ranks.tsv (rows of feature vs target)."""
    scores: dict[str, float] = {}
    with open(out_dir / "pairwise_ranks.tsv", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            a, b = row["FeatureA"], row["FeatureB"]
            if b == target and a != target:
                scores[a] = float(row["Score"])
    return sorted(scores, key=lambda n: -scores[n])


# -- the jobs -------------------------------------------------------------------------------
@dataclass
class Job:
    key: tuple[str, str]  # (row label, command name)
    cmd: list[str]
    quality: Callable[[Run, Path | None], Quality] | None = None
    env: dict[str, str] = field(default_factory=dict)
    scratch: bool = False  # run in a fresh temporary directory (passed to quality)
    fresh_numba_cache: bool = False
    timings: Callable[[Run], dict[str, float]] | None = None


@dataclass
class Cell:
    runs: list[Run] = field(default_factory=list)
    quality: list[Quality] = field(default_factory=list)
    timings: list[dict[str, float]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def ok(self) -> list[Run]:
        return [r for r in self.runs if r.returncode == 0]

    def walls(self) -> list[float]:
        return [r.wall for r in self.ok()]


def med(xs: list[float]) -> float:
    xs = [x for x in xs if x == x]
    return statistics.median(xs) if xs else float("nan")


def run_job(job: Job, timer: str | None, cell: Cell) -> Run:
    env = dict(job.env)
    tmp = Path(tempfile.mkdtemp(prefix="bench-")) if (job.scratch or job.fresh_numba_cache) else None
    if job.fresh_numba_cache and tmp is not None:
        env["NUMBA_CACHE_DIR"] = str(tmp / "numba-cache")
    try:
        cmd = [c.replace("{SCRATCH}", str(tmp)) for c in job.cmd]
        run = measure(cmd, timer, env=env, cwd=tmp if job.scratch else None)
        cell.runs.append(run)
        if run.returncode != 0:
            cell.failures.append(f"exit {run.returncode}: {run.stderr.strip()[-600:]}")
            return run
        try:
            if job.quality is not None:
                cell.quality.append(job.quality(run, tmp))
            if job.timings is not None:
                cell.timings.append(job.timings(run))
        except (ValueError, KeyError, TypeError, OSError) as error:
            cell.failures.append(f"unreadable output: {error!r}; stdout {run.stdout[:300]!r}")
            run.returncode = -1
        return run
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


def json_timings(run: Run) -> dict[str, float]:
    return {k: float(v) for k, v in json.loads(run.stdout).get("timings", {}).items()}


# -- report ---------------------------------------------------------------------------------
def fmt_rows(n: int) -> str:
    return f"{n:,}"


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def f2(x: float) -> str:
    return f"{x:.2f}" if x == x else "-"


def f0(x: float) -> str:
    return f"{x:.0f}" if x == x else "-"


def cell_row(c: Cell) -> list[str]:
    w = c.walls()
    if not w:
        return [str(len(c.runs)), "FAILED", "-", "-", "-", "-", "-"]
    q = "-"
    if c.quality:
        q = min(c.quality, key=lambda x: x.value).text if len(c.quality) > 1 else c.quality[0].text
        values = {x.text for x in c.quality}
        if len(values) > 1:
            q += " (worst of runs)"
    return [
        str(len(w)),
        f2(med(w)),
        f2(min(w)),
        f2(max(w)),
        f0(med([r.rss_mib for r in c.ok()])),
        f0(med([r.tree_mib for r in c.ok()])),
        q,
    ]


def verdict(ok: bool | None) -> str:
    return "-" if ok is None else ("pass" if ok else "**FAIL**")


def build_report(ctx: dict[str, Any]) -> str:
    cells: dict[tuple[str, str], Cell] = ctx["cells"]
    sizes: list[int] = ctx["sizes"]
    order: list[str] = ctx["order"]

    def wall(label: str, name: str) -> float:
        c = cells.get((label, name))
        return med(c.walls()) if c else float("nan")

    def rss(label: str, name: str) -> float:
        c = cells.get((label, name))
        return med([r.rss_mib for r in c.ok()]) if c else float("nan")

    # main table
    main_rows = []
    for n in sizes:
        for name in order:
            if (fmt_rows(n), name) in cells:
                main_rows.append([fmt_rows(n), name, *cell_row(cells[(fmt_rows(n), name)])])
    main = md_table(TABLE_HEADER, main_rows)
    extra_rows = [[name, *cell_row(c)] for (label, name), c in cells.items() if label == "extra"]
    extra = md_table(EXTRA_HEADER, extra_rows) if extra_rows else "(not measured)"

    # targets
    t_rows: list[list[str]] = []
    for n in sizes:
        r = fmt_rows(n)
        for fmt, rank_name, floor_name, parse_name in (
            ("CSV", RANK_CSV, FLOOR_NU_CSV, FLOOR_PARSE_CSV),
            ("Parquet", RANK_PQ, FLOOR_NU_PQ, FLOOR_PARSE_PQ),
        ):
            rw, fw, pw = wall(r, rank_name), wall(r, floor_name), wall(r, parse_name)
            if rw != rw and fw != fw:
                continue
            ratio = rw / fw
            t_rows.append(
                [
                    f"rank <= {FLOOR_TARGET:g}x read floor (n_unique), {fmt}, {r} rows",
                    f"rank {f2(rw)} s / floor {f2(fw)} s (parse floor {f2(pw)} s; "
                    f"rank / parse floor {f2(rw / pw)}x)",
                    f"{f2(ratio)}x",
                    verdict(ratio <= FLOOR_TARGET if ratio == ratio else None),
                ]
            )
    for n in sizes:
        r = fmt_rows(n)
        ow, rw = wall(r, OUTRANK), wall(r, RANK_CSV)
        if (r, OUTRANK) in cells:
            speedup = ow / rw
            t_rows.append(
                [
                    f"rank >= {OUTRANK_TARGET:g}x faster than OutRank 0.97.5, {r} rows",
                    f"OutRank {f2(ow)} s / rank {f2(rw)} s",
                    f"{speedup:.1f}x" if speedup == speedup else "-",
                    verdict(speedup >= OUTRANK_TARGET if speedup == speedup else None),
                ]
            )
    wide_name = ctx.get("wide_name")
    if wide_name and ("extra", wide_name) in cells:
        w = wall("extra", wide_name)
        t_rows.append(
            [
                f"{wide_name} < {WIDE_TARGET:g} s",
                f"{f2(w)} s",
                f"{f2(w / WIDE_TARGET)}x of the limit",
                verdict(w < WIDE_TARGET if w == w else None),
            ]
        )
    lo, hi = ctx["rss_pair"]
    if lo != hi:
        a, b = rss(fmt_rows(lo), RANK_CSV), rss(fmt_rows(hi), RANK_CSV)
        ratio = b / a if a == a and a > 0 else float("nan")
        t_rows.append(
            [
                f"rank peak RSS({fmt_rows(hi)}) <= {RSS_TARGET:g}x RSS({fmt_rows(lo)})",
                f"{f0(b)} MiB / {f0(a)} MiB",
                f"{f2(ratio)}x",
                verdict(ratio <= RSS_TARGET if ratio == ratio else None),
            ]
        )
    if ("extra", HELP) in cells:
        w = wall("extra", HELP)
        t_rows.append(
            [
                f"{HELP} < {HELP_TARGET:g} s",
                f"{f2(w)} s",
                f"{f2(w / HELP_TARGET)}x of the limit",
                verdict(w < HELP_TARGET if w == w else None),
            ]
        )
    if ("extra", ADULT_WARM) in cells:
        w = wall("extra", ADULT_WARM)
        cold = wall("extra", ADULT_COLD)
        t_rows.append(
            [
                f"{ADULT_WARM} < {ADULT_TARGET:g} s",
                f"{f2(w)} s (an install without the compiled kernels: first run {f2(cold)} s)",
                f"{f2(w / ADULT_TARGET)}x of the limit",
                verdict(w < ADULT_TARGET if w == w else None),
            ]
        )
    targets = md_table(["target", "measured (medians)", "ratio", "result"], t_rows)

    # quality and phase-timing notes
    notes = []
    for (label, name), c in cells.items():
        if c.quality:
            notes.append(f"- {label} / {name}: {c.quality[-1].detail}")
    phase = []
    for (label, name), c in cells.items():
        if c.timings:
            keys = list(c.timings[-1])
            tim = ", ".join(f"{k} {med([t.get(k, float('nan')) for t in c.timings]):.2f}" for k in keys)
            phase.append(f"- {label} / {name}: {tim}")

    failures = [f"- {label} / {name}: {m}" for (label, name), c in cells.items() for m in c.failures]
    info = ctx["info"]
    quick = ctx["quick"]
    doc = [
        "# outrank-cli benchmark results",
        "",
        *(["> **Smoke test (`--quick`)**: tiny sizes, timings are not meaningful.", ""] if quick else []),
        f"- date: {dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}; "
        f"run took {ctx['elapsed'] / 60:.1f} min",
        f"- command: `{ctx['invocation']}` (from the repository root)",
        f"- machine: nproc {info['nproc']}, total memory {info['memory']}, {info['cpu']}; "
        f"{info['platform']}; load average at the start {info['load']}; the machine is shared, "
        "so read medians",
        f"- git: {info['git']}; package source hash {info['hash']}",
        *[f"- environment `{k}`: {v}" for k, v in ctx["env_notes"].items()],
        f"- data: `benchmarks/generate.py --seed {ctx['seed']}`, {ctx['columns']} columns "
        f"(y + 29 features: 8 planted, 2 near-duplicates of planted ones, 18 noise of "
        "cardinality 2 to 50,000 incl. numeric, 1 unique-per-row ID); Parquet copies written "
        "by `pl.scan_csv(...).sink_parquet(...)`",
        f"- method: repeats {ctx['repeats']}, interleaved (repeat -> size -> command), medians; "
        "page cache warmed; "
        + (
            "no warm-up runs (`--quick`); "
            if quick
            else "untimed warm-up runs of rank, select and check (numba's on-disk cache "
            "filled), of OutRank and of the peers before timing; "
        )
        + "each command in a fresh process. "
        "**peak RSS** = GNU time's maximum resident set size (of the largest single process); "
        "**tree RSS** = the summed RSS of all the command's processes, sampled every 50 ms "
        "(matters for OutRank and mrmr, which fork workers; shared pages count per process)",
        "",
        "Commands (FILE = `benchmarks/data/t_<rows>.csv`, or `.parquet`):",
        "",
        *[
            f"- {name}: `{cmd}`" + (f" - {note}" if note else "")
            for name, (cmd, note) in ctx["shown"].items()
        ],
        "",
        "Quality columns (ground truth from `t_<rows>.truth.json`):",
        "",
        "- rankings (rank, OutRank, sklearn MI): **top-k hit** = share of the k informative "
        "columns (planted + near-duplicates of planted, k = 10) that are in the first k ranks;",
        f"- selections (select --k {SELECT_K}, mrmr K={SELECT_K}): **planted recall** = planted "
        "columns covered by the selection (the column itself or one of its near-duplicates) / "
        f"min({SELECT_K}, number of planted columns); the precision (share of the selection that "
        f"is informative) is in the notes: with {SELECT_K} picks out of 29 features and 10 "
        "informative ones it cannot exceed 0.5;",
        "- check: **planted problems found** = share of the planted ID-like column and "
        "near-duplicate pairs that check reports (`id_like`; `near_duplicate` or `duplicate`).",
        "",
        "## Targets",
        "",
        targets,
        "",
        "## Per command",
        "",
        main,
        "",
        "## Extra measurements",
        "",
        extra,
        "",
        "## Quality details",
        "",
        *notes,
        "",
        "## Phase timings reported by the tools (medians, s)",
        "",
        *(phase or ["(none)"]),
        "",
    ]
    if ctx["not_run"]:
        doc += ["## Not run", "", *[f"- {m}" for m in ctx["not_run"]], ""]
    if failures:
        doc += ["## Failures", "", *failures, ""]
    return "\n".join(doc) + "\n"


# -- machine / provenance -------------------------------------------------------------------
def machine_info() -> dict[str, str]:
    info: dict[str, str] = {}
    info["nproc"] = str(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    try:
        m = re.search(r"MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text())
        info["memory"] = f"{int(m.group(1)) / 2**20:.1f} GiB" if m else "unknown"
    except OSError:
        info["memory"] = "unknown"
    try:
        m = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
        info["cpu"] = m.group(1).strip() if m else platform.processor() or "unknown"
    except OSError:
        info["cpu"] = platform.processor() or "unknown"
    info["platform"] = f"{platform.platform()}; python {platform.python_version()}"
    try:
        info["load"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        info["load"] = "unknown"
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            [
                "git",
                "-C",
                str(REPO),
                "status",
                "--porcelain",
                "--untracked-files=no",
                "--",
                "outrank_cli",
                "pyproject.toml",
            ],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        info["git"] = (head + (" + uncommitted changes in outrank_cli/" if dirty else "")) or "?"
    except (OSError, subprocess.SubprocessError):
        info["git"] = "unknown"
    info["hash"] = envs.source_hash()["package"]
    return info


def display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO))
    except ValueError:
        return str(path)


# -- main -----------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--rows",
        type=int,
        nargs="+",
        default=None,
        help="table sizes (default 200000 1000000 5000000; --quick: 10000 20000)",
    )
    ap.add_argument("--repeats", type=int, default=None, help="default 3 (--quick: 1)")
    ap.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, one repeat, no warm-up; OutRank and the peers only when "
        "their environments exist already: a smoke test",
    )
    ap.add_argument("--columns", type=int, default=30, help="columns per table including y")
    ap.add_argument(
        "--wide-rows",
        type=int,
        default=None,
        help=f"rows of the {WIDE_COLUMNS}-column table for select "
        f"(default {WIDE_ROWS}; --quick: {QUICK_WIDE_ROWS})",
    )
    ap.add_argument(
        "--outrank-max-rows",
        type=int,
        default=200_000,
        help="run OutRank on sizes up to this (default 200000; 1000000 adds 1M, about 5 min per run)",
    )
    ap.add_argument(
        "--peers-max-rows",
        type=int,
        default=1_000_000,
        help="run sklearn MI and mrmr on sizes up to this (default 1000000)",
    )
    ap.add_argument(
        "--skip", default="", help="comma-separated groups to leave out: outrank, peers, parquet, extras"
    )
    ap.add_argument(
        "--ours",
        choices=["venv", "current"],
        default=None,
        help="venv: the clean environment benchmarks/.venvs/ours (default); "
        "current: this interpreter's outrank_cli (--quick default unless the "
        "clean environment is already up to date)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--data-dir", type=Path, default=HERE / "data")
    ap.add_argument("--results", type=Path, default=HERE / "RESULTS.md")
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    quick = args.quick
    sizes = sorted(set(args.rows or (QUICK_ROWS if quick else DEFAULT_ROWS)))
    repeats = args.repeats or (1 if quick else 3)
    wide_rows = args.wide_rows or (QUICK_WIDE_ROWS if quick else WIDE_ROWS)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    unknown = skip - {"outrank", "peers", "parquet", "extras"}
    if unknown:
        raise SystemExit(f"--skip: unknown group(s) {sorted(unknown)}")
    invocation = shlex.join(["python", *(sys.argv if argv is None else ["benchmarks/run.py", *argv])])
    timer = gnu_time()
    info = machine_info()  # load average before the run
    not_run: list[str] = []
    env_notes: dict[str, str] = {}

    # environments ---------------------------------------------------------------------------
    mode = args.ours or "venv"
    ours = envs.ensure_ours(create=not (quick and args.ours is None))
    if mode == "venv" and not ours.ok and not (quick and args.ours is None):
        print(f"error: clean environment for outrank-cli: {ours.note}", file=sys.stderr)
        return 1
    if ours.ok and mode == "venv":
        ours_py, cli = str(ours.python), [str(ours.bin("outrank-cli"))]
        v = envs.versions(ours, ["outrank-cli", "polars", "numpy", "numba", "typer", "scipy"])
        env_notes["ours"] = (
            f"`{display(ours.path)}` ({ours.note}): "
            + ", ".join(f"{k} {x}" for k, x in v.items())
            + " (scipy '-' = not installed, as for a user)"
        )
    else:
        ours_py = sys.executable
        cli = [sys.executable, "-m", "outrank_cli"]
        env_notes["ours"] = (
            f"this interpreter ({sys.executable}), not a clean install: the clean environment is {ours.note}"
        )
    want_outrank = "outrank" not in skip and any(n <= args.outrank_max_rows for n in sizes)
    want_peers = "peers" not in skip and any(n <= args.peers_max_rows for n in sizes)
    outrank_env = envs.ensure_spec("outrank", envs.OUTRANK_SPEC, create=not quick) if want_outrank else None
    peers_env = envs.ensure_spec("peers", envs.PEERS_SPEC, create=not quick) if want_peers else None
    for name, e, dists in (
        ("outrank", outrank_env, ["outrank", "numpy", "pandas", "numba", "xxhash"]),
        ("peers", peers_env, ["scikit-learn", "mrmr-selection", "pandas", "polars", "numpy", "scipy"]),
    ):
        if e is None:
            continue
        if e.ok:
            v = envs.versions(e, dists)
            env_notes[name] = f"`{display(e.path)}` ({e.note}): " + ", ".join(
                f"{k} {x}" for k, x in v.items()
            )
        else:
            not_run.append(f"{name}: environment not available - {e.note}")
    outrank_ok = outrank_env is not None and outrank_env.ok
    peers_ok = peers_env is not None and peers_env.ok
    if quick:  # OutRank and the peers once, at the smallest size
        out_sizes = [sizes[0]] if outrank_ok else []
        peer_sizes = [sizes[0]] if peers_ok else []
    else:
        out_sizes = [n for n in sizes if n <= args.outrank_max_rows] if outrank_ok else []
        peer_sizes = [n for n in sizes if n <= args.peers_max_rows] if peers_ok else []
    if "outrank" in skip:
        not_run.append("OutRank: left out with --skip outrank")
    if "peers" in skip:
        not_run.append("sklearn MI and mrmr: left out with --skip peers")
    if outrank_ok and quick and len(sizes) > 1:
        not_run.append("OutRank, sklearn MI and mrmr above the smallest size (`--quick`)")
    elif outrank_ok and [n for n in sizes if n not in out_sizes]:
        not_run.append(
            "OutRank at "
            + ", ".join(fmt_rows(n) for n in sizes if n not in out_sizes)
            + f" (cap {fmt_rows(args.outrank_max_rows)} rows: about a minute per 200k "
            "rows; `--outrank-max-rows 1000000` adds 1M)"
        )
    if peers_ok and not quick and [n for n in sizes if n not in peer_sizes]:
        not_run.append(
            "sklearn MI and mrmr at "
            + ", ".join(fmt_rows(n) for n in sizes if n not in peer_sizes)
            + f" (cap {fmt_rows(args.peers_max_rows)} rows: they hold the whole table in memory; "
            "`--peers-max-rows` changes it)"
        )

    # data -----------------------------------------------------------------------------------
    data = {n: ensure_data(n, args.columns, args.seed, args.data_dir) for n in sizes}
    parquet = {n: ensure_parquet(data[n][0]) for n in sizes} if "parquet" not in skip else {}
    wide = None
    if "extras" not in skip:
        wide = ensure_data(wide_rows, WIDE_COLUMNS, args.seed, args.data_dir)
    out_dirs = {n: outrank_input(data[n][0], args.data_dir, n) for n in out_sizes}
    if hasattr(os, "sync"):
        os.sync()  # flush fresh files: write-back would otherwise slow the first runs
    for p in [*(d[0] for d in data.values()), *parquet.values(), *([wide[0]] if wide else [])]:
        warm_page_cache(p)

    # the jobs -------------------------------------------------------------------------------
    def rank_quality(truth: dict[str, Any]) -> Callable[[Run, Path | None], Quality]:
        def q(run: Run, _: Path | None) -> Quality:
            doc = json.loads(run.stdout)
            names = [f["name"] for f in sorted(doc["features"], key=lambda f: f["rank"])]
            return ranking_quality(names, truth)

        return q

    def select_q(truth: dict[str, Any]) -> Callable[[Run, Path | None], Quality]:
        def q(run: Run, _: Path | None) -> Quality:
            doc = json.loads(run.stdout)
            return selection_quality([s["name"] for s in doc["selected"]], truth, SELECT_K)

        return q

    def check_q(truth: dict[str, Any]) -> Callable[[Run, Path | None], Quality]:
        return lambda run, _: check_quality(json.loads(run.stdout), truth)

    def peer_q(truth: dict[str, Any], selection: bool) -> Callable[[Run, Path | None], Quality]:
        def q(run: Run, _: Path | None) -> Quality:
            names = json.loads(run.stdout)["ranking"]
            return selection_quality(names, truth, SELECT_K) if selection else ranking_quality(names, truth)

        return q

    def outrank_q(truth: dict[str, Any]) -> Callable[[Run, Path | None], Quality]:
        def q(run: Run, tmp: Path | None) -> Quality:
            assert tmp is not None
            return ranking_quality(outrank_ranking(tmp / "out", truth["target"]), truth)

        return q

    def outrank_cmd(in_dir: Path) -> list[str]:
        assert outrank_env is not None
        return [
            str(outrank_env.bin("outrank")),
            "--task",
            "ranking",
            "--data_path",
            str(in_dir),
            "--data_source",
            "csv-raw",
            "--heuristic",
            "MI-numba-randomized",
            "--target_ranking_only",
            "True",
            "--subsampling",
            "1",
            "--output_folder",
            "{SCRATCH}/out",
            "--disable_tqdm",
            "True",
            "--num_threads",
            "2",
            "--include_cardinality_in_feature_names",
            "False",
            "--label_column",
            "y",
        ]

    q_flags = ["--target", "y", "--format", "json", "--quiet"]

    def jobs_for(n: int) -> list[Job]:
        path, truth = data[n]
        label = fmt_rows(n)
        js = [
            Job(
                (label, RANK_CSV),
                [*cli, "rank", str(path), *q_flags],
                rank_quality(truth),
                timings=json_timings,
            ),
            Job(
                (label, SELECT),
                [*cli, "select", str(path), "--k", str(SELECT_K), *q_flags],
                select_q(truth),
                timings=json_timings,
            ),
            Job(
                (label, CHECK),
                [*cli, "check", str(path), "--fail-on", "never", *q_flags],
                check_q(truth),
                timings=json_timings,
            ),
            Job((label, FLOOR_NU_CSV), [ours_py, "-c", FLOOR_CODE[("n_unique", "csv")], str(path)]),
            Job((label, FLOOR_PARSE_CSV), [ours_py, "-c", FLOOR_CODE[("parse", "csv")], str(path)]),
        ]
        if n in parquet:
            pq = str(parquet[n])
            js += [
                Job(
                    (label, RANK_PQ), [*cli, "rank", pq, *q_flags], rank_quality(truth), timings=json_timings
                ),
                Job((label, FLOOR_NU_PQ), [ours_py, "-c", FLOOR_CODE[("n_unique", "parquet")], pq]),
                Job((label, FLOOR_PARSE_PQ), [ours_py, "-c", FLOOR_CODE[("parse", "parquet")], pq]),
            ]
        if n in out_sizes:
            js.append(Job((label, OUTRANK), outrank_cmd(out_dirs[n]), outrank_q(truth), scratch=True))
        if n in peer_sizes:
            assert peers_env is not None
            peer = [str(peers_env.python), str(PEERS)]
            js.append(
                Job(
                    (label, SK_MI),
                    [*peer, "mi", str(path), "--target", "y"],
                    peer_q(truth, False),
                    timings=json_timings,
                )
            )
            js.append(
                Job(
                    (label, MRMR),
                    [*peer, "mrmr", str(path), "--target", "y", "--k", str(SELECT_K)],
                    peer_q(truth, True),
                    timings=json_timings,
                )
            )
        return js

    wide_name = None
    extras: list[Job] = []
    if wide is not None:
        wide_name = WIDE.format(rows=fmt_rows(wide_rows))
        extras = [
            Job(
                ("extra", wide_name),
                [*cli, "select", str(wide[0]), "--k", str(SELECT_K), *q_flags],
                select_q(wide[1]),
                timings=json_timings,
            ),
            Job(("extra", HELP), [*cli, "--help"]),
            Job(
                ("extra", ADULT_COLD),
                [*cli, "rank", str(ADULT), "--target", "income", "--format", "json", "--quiet"],
                env={"OUTRANK_CLI_KERNELS": "jit"},
                fresh_numba_cache=True,
                timings=json_timings,
            ),
            Job(
                ("extra", ADULT_WARM),
                [*cli, "rank", str(ADULT), "--target", "income", "--format", "json", "--quiet"],
                timings=json_timings,
            ),
        ]

    all_jobs = {n: jobs_for(n) for n in sizes}
    order: list[str] = []
    for js in all_jobs.values():
        for j in js:
            if j.key[1] not in order:
                order.append(j.key[1])
    cells: dict[tuple[str, str], Cell] = {}
    for n in sizes:
        for j in all_jobs[n]:
            cells[j.key] = Cell()
    for j in extras:
        cells[j.key] = Cell()

    # warm-up (untimed) ------------------------------------------------------------------------
    if not quick:
        small = sizes[0]
        warm = [j for j in all_jobs[small] if j.key[1] in (RANK_CSV, SELECT, CHECK, RANK_PQ)]
        warm += [j for j in extras if j.key[1] in (ADULT_WARM,)]
        if outrank_ok:
            tiny = head_copy(data[small][0], args.data_dir / "outrank_warmup", 5_000)
            warm.append(Job(("warm-up", OUTRANK), outrank_cmd(tiny), scratch=True))
        if peers_ok:
            tiny_csv = args.data_dir / "outrank_warmup" / "data.csv"
            if not tiny_csv.exists():
                head_copy(data[small][0], tiny_csv.parent, 5_000)
            assert peers_env is not None
            for tool in ("mi", "mrmr"):
                warm.append(
                    Job(
                        ("warm-up", tool),
                        [str(peers_env.python), str(PEERS), tool, str(tiny_csv), "--target", "y"],
                    )
                )
        for j in warm:
            print(f"warm-up: {j.key[1]}", file=sys.stderr, flush=True)
            scratch_cell = Cell()
            r = run_job(Job(("warm-up", j.key[1]), j.cmd, scratch=j.scratch), timer, scratch_cell)
            if r.returncode != 0:
                print(f"warning: warm-up {j.key[1]} failed: {scratch_cell.failures}", file=sys.stderr)

    # measured runs ------------------------------------------------------------------------
    for rep in range(repeats):
        plan = [j for n in sizes for j in all_jobs[n]] + extras
        for j in plan:
            cell = cells[j.key]
            run = run_job(j, timer, cell)
            status = (
                cell.quality[-1].text
                if run.returncode == 0 and cell.quality
                else ("ok" if run.returncode == 0 else f"FAILED (exit {run.returncode})")
            )
            print(
                f"[{rep + 1}/{repeats}] {j.key[0]:>10}  {j.key[1]:<58} {run.wall:8.2f}s "
                f"{run.rss_mib:7.0f} MiB  {status}",
                file=sys.stderr,
                flush=True,
            )

    # report ---------------------------------------------------------------------------------
    flags = " ".join(q_flags)
    shown = {
        RANK_CSV: (f"outrank-cli rank FILE {flags}", ""),
        RANK_PQ: (f"outrank-cli rank FILE.parquet {flags}", ""),
        SELECT: (f"outrank-cli select FILE --k {SELECT_K} {flags}", ""),
        CHECK: (f"outrank-cli check FILE --fail-on never {flags}", ""),
        "floor n_unique (csv / parquet)": (
            f'python -c "{FLOOR_CODE[("n_unique", "csv")]}" FILE',
            "`scan_parquet` for Parquet; the floor the targets compare with",
        ),
        "floor parse (csv / parquet)": (
            f'python -c "{FLOOR_CODE[("parse", "csv")]}" FILE',
            "`scan_parquet` for Parquet; a stricter floor (parsing only). On Parquet polars may "
            "answer null_count from the file's statistics, so that floor can be below a real read",
        ),
        OUTRANK: (
            "outrank --task ranking --data_path DIR --data_source csv-raw --heuristic "
            "MI-numba-randomized --target_ranking_only True --subsampling 1 --output_folder OUT "
            "--disable_tqdm True --num_threads 2 --include_cardinality_in_feature_names False "
            "--label_column y",
            "DIR/data.csv is a symlink to FILE; the ranking is read from OUT/pairwise_ranks.tsv "
            "(the rows FEATURE vs y, highest score first). OutRank polls its worker pool with "
            "`time.sleep(4)`, so every 16,384-row minibatch costs at least 4 s (13 batches at "
            "200k rows: 52 s); about 5 s more go to imports",
        ),
        SK_MI: (
            "python benchmarks/peers.py mi FILE --target y",
            "polars `read_csv` + ordinal encoding, then "
            "`mutual_info_classif(X, y, discrete_features=True)` (floats are not binned: each "
            "distinct value is a level); single-threaded, sklearn's default",
        ),
        MRMR: (
            f"python benchmarks/peers.py mrmr FILE --target y --k {SELECT_K}",
            f"the same loading, then `mrmr_classif(X=df, y=y, K={SELECT_K}, "
            "show_progress=False)` (F-statistic relevance, correlation redundancy, joblib "
            "worker processes)",
        ),
        "extras": (
            f"outrank-cli select benchmarks/data/t_{wide_rows}_c{WIDE_COLUMNS}.csv --k {SELECT_K} "
            f"{flags}; outrank-cli --help; outrank-cli rank sample_data/adult.csv --target "
            "income --format json --quiet",
            "later runs use the kernels compiled at install; the first-run figure is what an "
            "install without them pays once (OUTRANK_CLI_KERNELS=jit and NUMBA_CACHE_DIR set to a "
            "new empty directory: numba compiles every kernel)",
        ),
    }
    for name in (RANK_PQ, OUTRANK, SK_MI, MRMR):
        if name not in order:
            del shown[name]
    if not extras:
        del shown["extras"]
    lo_hi = (1_000_000, 5_000_000) if {1_000_000, 5_000_000} <= set(sizes) else (sizes[0], sizes[-1])
    ctx = {
        "cells": cells,
        "sizes": sizes,
        "order": order,
        "info": info,
        "quick": quick,
        "invocation": invocation,
        "env_notes": env_notes,
        "seed": args.seed,
        "columns": args.columns,
        "repeats": repeats,
        "shown": shown,
        "not_run": not_run,
        "wide_name": wide_name,
        "rss_pair": lo_hi,
        "elapsed": time.perf_counter() - started,
    }
    document = build_report(ctx)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(document)
    print(document)
    print(f"wrote {args.results}", file=sys.stderr)
    return 1 if any(c.failures for c in cells.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
