"""Virtual environments for the benchmark: ours (a clean user install), OutRank, and the peers.

Every environment lives in ``benchmarks/.venvs/<name>`` (git-ignored) and carries a marker file
``bench-env.json`` that says what was installed into it. An environment whose marker does not
match what is wanted is brought up to date; one that matches is reused as it is.

* ``ours``    - ``pip install <snapshot of the working tree>``, no extras (so no scipy, no
  scikit-learn): exactly what ``pip install /work/main`` gives a user. The snapshot holds
  ``pyproject.toml``, ``README.md`` and ``outrank_cli/`` without caches, so a stale ``build/``
  directory in the repository cannot leak into the wheel. The marker records a hash of every
  source file of the package and of ``pyproject.toml``; when it changes the package is
  reinstalled (``--force-reinstall --no-deps``; the dependencies too when ``pyproject.toml``
  changed).
* ``outrank`` - ``pip install outrank==0.97.5 'xxhash<4'``.
* ``peers``   - ``pip install scikit-learn pandas polars mrmr-selection`` (their requirements do
  not conflict, so the two peer tools share one environment).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
VENVS = HERE / ".venvs"
MARKER = "bench-env.json"

OUTRANK_SPEC = ["outrank==0.97.5", "xxhash<4"]
PEERS_SPEC = ["scikit-learn", "pandas", "polars", "mrmr-selection"]
SKIP_SUFFIXES = (".pyc", ".nbi", ".nbc", ".so")


@dataclass
class Env:
    name: str
    path: Path
    ok: bool
    note: str  # what happened: reused / created / reinstalled / the error

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def bin(self, name: str) -> Path:
        return self.path / "bin" / name


def _package_files() -> list[Path]:
    files = [
        p
        for p in sorted((REPO / "outrank_cli").rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(SKIP_SUFFIXES)
    ]
    return files


def source_hash() -> dict[str, str]:
    """Hashes of the package sources and of pyproject.toml (what decides a reinstall)."""
    h = hashlib.sha256()
    for p in _package_files():
        h.update(str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes() + b"\0")
    return {
        "package": h.hexdigest()[:16],
        "pyproject": hashlib.sha256(
            (REPO / "pyproject.toml").read_bytes() + (REPO / "setup.py").read_bytes()
        ).hexdigest()[:16],
    }


def _read_marker(path: Path) -> dict[str, object] | None:
    try:
        return json.loads((path / MARKER).read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def _write_marker(path: Path, doc: dict[str, object]) -> None:
    (path / MARKER).write_text(json.dumps(doc, indent=1) + "\n")


def _run(cmd: list[str], log: list[str]) -> None:
    print("  $ " + " ".join(cmd), file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log.append(proc.stdout[-2000:] + proc.stderr[-2000:])
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr.strip()[-800:]}")


def _create(path: Path, log: list[str]) -> None:
    if path.exists():
        shutil.rmtree(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    _run([sys.executable, "-m", "venv", str(path)], log)
    _run([str(path / "bin" / "python"), "-m", "pip", "install", "-q", "--upgrade", "pip"], log)


def _snapshot() -> Path:
    """A clean copy of what a user's checkout holds: pyproject, setup.py, README, LICENSE and
    the package (not a compiled kernel module left by an editable install)."""
    dst = Path(tempfile.mkdtemp(prefix="outrank-cli-src-"))
    shutil.copy2(REPO / "pyproject.toml", dst / "pyproject.toml")
    for name in ("README.md", "setup.py", "LICENSE"):
        shutil.copy2(REPO / name, dst / name)
    for p in _package_files():
        target = dst / p.relative_to(REPO)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(p, target)
    return dst


def ensure_ours(*, create: bool = True) -> Env:
    """The clean environment with outrank-cli installed as a user installs it."""
    path = VENVS / "ours"
    want = source_hash()
    have = _read_marker(path)
    exe = path / "bin" / "outrank-cli"
    if have is not None and exe.exists() and have.get("hash") == want:
        return Env("ours", path, True, "reused (sources unchanged)")
    if not create:
        return Env("ours", path, False, "missing or out of date (not created in this mode)")
    log: list[str] = []
    src = _snapshot()
    try:
        pip = [str(path / "bin" / "python"), "-m", "pip", "install", "-q"]
        if have is None or not exe.exists():
            _create(path, log)
            _run([*pip, str(src)], log)
            note = "created"
        else:
            old = have.get("hash") or {}
            _run([*pip, "--force-reinstall", "--no-deps", str(src)], log)
            if not isinstance(old, dict) or old.get("pyproject") != want["pyproject"]:
                _run([*pip, str(src)], log)  # dependencies may have changed
            note = "reinstalled (sources changed)"
    except RuntimeError as error:
        return Env("ours", path, False, str(error))
    finally:
        shutil.rmtree(src, ignore_errors=True)
    _write_marker(path, {"hash": want, "spec": "pip install <working tree>"})
    return Env("ours", path, True, note)


def ensure_spec(name: str, spec: list[str], *, create: bool = True) -> Env:
    """An environment with exactly the pip requirements ``spec`` installed."""
    path = VENVS / name
    have = _read_marker(path)
    if have is not None and have.get("spec") == spec and (path / "bin" / "python").exists():
        if have.get("error"):
            return Env(name, path, False, f"install failed earlier: {have['error']}")
        return Env(name, path, True, "reused")
    if not create:
        return Env(name, path, False, "missing (not created in this mode)")
    log: list[str] = []
    try:
        _create(path, log)
        _run([str(path / "bin" / "python"), "-m", "pip", "install", "-q", *spec], log)
    except RuntimeError as error:
        # remember the failure so that later runs do not retry a long failing install
        if (path / "bin" / "python").exists():
            _write_marker(path, {"spec": spec, "error": str(error)[-800:]})
        return Env(name, path, False, str(error))
    _write_marker(path, {"spec": spec})
    return Env(name, path, True, "created")


def versions(env: Env, dists: list[str]) -> dict[str, str]:
    """Installed versions of ``dists`` inside ``env`` (``-`` when absent)."""
    code = (
        "import json, sys, importlib.metadata as m\n"
        "out = {}\n"
        "for d in sys.argv[1:]:\n"
        "    try: out[d] = m.version(d)\n"
        "    except m.PackageNotFoundError: out[d] = '-'\n"
        "print(json.dumps(out))\n"
    )
    try:
        proc = subprocess.run(
            [str(env.python), "-c", code, *dists], capture_output=True, text=True, timeout=60
        )
        return json.loads(proc.stdout)  # type: ignore[no-any-return]
    except (OSError, ValueError, subprocess.SubprocessError):
        return dict.fromkeys(dists, "?")


if __name__ == "__main__":  # python benchmarks/envs.py: set every environment up, print them
    for env in (
        ensure_ours(),
        ensure_spec("outrank", OUTRANK_SPEC),
        ensure_spec("peers", PEERS_SPEC),
    ):
        print(f"{env.name}: {'ok' if env.ok else 'FAILED'} - {env.note} ({env.path})")
