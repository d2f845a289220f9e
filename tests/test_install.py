"""Installing without a C compiler: the build warns and leaves the compiled kernels out, and
the installed package ranks through numba's JIT exactly as the compiled kernels do.

The wheel is built without build isolation (``setuptools`` and ``wheel`` come with the dev
extra), so the test needs no network; most of its time is the JIT's first compile. The
successful build is what the editable dev install runs (``test_kernel_backend`` checks its
result), so here it is only checked with a stand-in compiler.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import runpy
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
import setuptools
from setuptools import Extension
from setuptools.dist import Distribution
from setuptools.errors import CompileError

ROOT = Path(__file__).resolve().parent.parent
ADULT = ROOT / "sample_data" / "adult.csv"
RANK_ADULT = ["-m", "outrank_cli", "rank", str(ADULT), "--target", "income", "--format", "json"]
EXTENSION = "outrank_cli.kernels._compiled"
FALLBACK_WARNING = f"could not build the compiled kernels ({EXTENSION})"
FALLBACK_CONSEQUENCE = "outrank-cli will run its kernels through numba's JIT instead"
# every variable through which setuptools (and so pycc) finds a compiler or linker
NO_COMPILER = dict.fromkeys(("CC", "CXX", "CPP", "LDSHARED", "LDCXXSHARED"), "/nonexistent/cc")

# the runs below use the default backend choice and numba's real JIT, whatever this suite uses
IGNORED_VARIABLES = ("OUTRANK_CLI_KERNELS", "NUMBA_DISABLE_JIT", "PYTHONPATH")

needs_cc_variable = pytest.mark.skipif(
    sys.platform == "win32", reason="on Windows the compiler is MSVC, which CC does not choose"
)


def _environment(**variables: str) -> dict[str, str]:
    """This process's environment without ``IGNORED_VARIABLES``, plus ``variables``."""
    env = {key: value for key, value in os.environ.items() if key not in IGNORED_VARIABLES}
    env.update(variables)
    return env


def _python(args: list[str], *, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@dataclass(frozen=True)
class CompilerlessInstall:
    build_output: str
    wheel: Path
    site: Path  # what ``pip install --target`` filled: put it on PYTHONPATH
    workdir: Path  # an empty directory to run from, so that cwd cannot shadow ``site``


@pytest.fixture(scope="module")
def compilerless_install(tmp_path_factory: pytest.TempPathFactory) -> CompilerlessInstall:
    pytest.importorskip(
        "setuptools", minversion="77", reason="building the wheel needs setuptools>=77 (the dev extra)"
    )
    pytest.importorskip("wheel", reason="building the wheel needs wheel (the dev extra)")
    base = tmp_path_factory.mktemp("install")
    # a fresh checkout: without the compiled module the editable install left next to the sources
    source = base / "source"
    source.mkdir()
    for name in ("setup.py", "pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "outrank_cli",
        source / "outrank_cli",
        ignore=shutil.ignore_patterns("__pycache__", "_compiled*", "*.nbi", "*.nbc"),
    )
    wheels = base / "wheels"
    offline = ["--no-deps", "--no-build-isolation", "--no-index"]
    built = _python(
        ["-m", "pip", "wheel", "-v", *offline, "--wheel-dir", str(wheels), str(source)],
        env=_environment(PIP_DISABLE_PIP_VERSION_CHECK="1", **NO_COMPILER),
        cwd=base,
    )
    build_output = built.stdout + built.stderr
    assert built.returncode == 0, build_output
    (wheel,) = wheels.glob("outrank_cli-*.whl")
    site = base / "site"
    installed = _python(
        ["-m", "pip", "install", *offline, "--target", str(site), str(wheel)],
        env=_environment(PIP_DISABLE_PIP_VERSION_CHECK="1"),
        cwd=base,
    )
    assert installed.returncode == 0, installed.stdout + installed.stderr
    workdir = base / "work"
    workdir.mkdir()
    return CompilerlessInstall(build_output, wheel, site, workdir)


@needs_cc_variable
def test_the_build_without_a_compiler_succeeds_and_says_why(compilerless_install):
    output = compilerless_install.build_output
    assert FALLBACK_WARNING in output
    assert FALLBACK_CONSEQUENCE in output
    (warning,) = [line for line in output.splitlines() if FALLBACK_WARNING in line]
    if importlib.util.find_spec("numba.pycc") is not None:
        # the build really found no compiler (rather than failing for another reason)
        assert "RuntimeError: Attempted to compile AOT function without the compiler" in warning


@needs_cc_variable
def test_the_wheel_without_a_compiler_has_no_compiled_kernels(compilerless_install):
    names = zipfile.ZipFile(compilerless_install.wheel).namelist()
    assert "outrank_cli/kernels/backend.py" in names
    assert "outrank_cli/report/html/assets/report.js" in names  # the HTML reports' package data
    assert [name for name in names if "_compiled" in name] == []


@needs_cc_variable
def test_the_wheel_without_a_compiler_runs_its_kernels_through_the_jit(compilerless_install, tmp_path):
    shown = _python(
        [
            "-c",
            "import outrank_cli; from outrank_cli.kernels.backend import backend_name; "
            "print(outrank_cli.__file__); print(backend_name())",
        ],
        env=_environment(PYTHONPATH=str(compilerless_install.site), NUMBA_CACHE_DIR=str(tmp_path)),
        cwd=compilerless_install.workdir,
    )
    assert shown.returncode == 0, shown.stderr
    package_file, backend = shown.stdout.split()
    # the wheel's copy, not the editable checkout this test runs from
    assert Path(package_file).parent == compilerless_install.site / "outrank_cli"
    assert backend == "jit"


@needs_cc_variable
def test_rank_from_the_wheel_without_a_compiler_matches_the_installed_package(compilerless_install, tmp_path):
    through_jit = _python(
        RANK_ADULT,
        env=_environment(PYTHONPATH=str(compilerless_install.site), NUMBA_CACHE_DIR=str(tmp_path)),
        cwd=compilerless_install.workdir,
    )
    assert through_jit.returncode == 0, through_jit.stderr
    installed = _python(RANK_ADULT, env=_environment(), cwd=compilerless_install.workdir)
    assert installed.returncode == 0, installed.stderr
    got, want = json.loads(through_jit.stdout), json.loads(installed.stdout)
    got.pop("timings")
    want.pop("timings")
    assert got == want


# -- the fallback itself, with a stand-in for compile_kernels ---------------------------------


@pytest.fixture
def build_kernels(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """setup.py's ``BuildKernels`` command, building into ``tmp_path``."""
    monkeypatch.setattr(setuptools, "setup", lambda **attrs: None)
    command_class = runpy.run_path(str(ROOT / "setup.py"))["BuildKernels"]
    extension = Extension(EXTENSION, sources=[], optional=True)
    command = command_class(Distribution({"ext_modules": [extension]}))
    command.build_lib = str(tmp_path)
    command.ensure_finalized()
    target = Path(command.get_ext_fullpath(EXTENSION))
    target.parent.mkdir(parents=True)
    return command, extension, target


def _stand_in_compiler(monkeypatch: pytest.MonkeyPatch, error: BaseException | None) -> None:
    """``compile_kernels`` that writes (part of) the module, then raises ``error`` if given."""

    def compile_kernels(output_dir: Path, output_file: str) -> Path:
        target = Path(output_dir) / output_file
        target.write_bytes(b"\x7fELF half-linked")
        if error is not None:
            raise error
        return target

    monkeypatch.setattr("outrank_cli.kernels.aot.compile_kernels", compile_kernels)


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (
            RuntimeError("Attempted to compile AOT function without the compiler.\n\n#> conda install gcc"),
            "RuntimeError: Attempted to compile AOT function without the compiler.",
        ),
        (
            ModuleNotFoundError("No module named 'numba.pycc'"),
            "ModuleNotFoundError: No module named 'numba.pycc'",
        ),
        (
            CompileError("command '/usr/bin/gcc' failed with exit code 1"),
            "CompileError: command '/usr/bin/gcc' failed with exit code 1",
        ),
        (OSError(), "OSError"),
    ],
)
def test_any_build_failure_leaves_no_module_and_warns_with_the_reason(
    build_kernels, monkeypatch, caplog, error, reason
):
    command, extension, target = build_kernels
    _stand_in_compiler(monkeypatch, error)
    with caplog.at_level(logging.WARNING, logger="outrank_cli.build"):
        command.build_extension(extension)
    assert not target.exists()
    (record,) = caplog.records
    first_line, consequence = record.getMessage().splitlines()
    assert first_line == f"warning: outrank-cli: {FALLBACK_WARNING}: {reason}"
    assert consequence.strip().startswith(FALLBACK_CONSEQUENCE)


def test_a_successful_build_keeps_the_module_and_says_nothing(build_kernels, monkeypatch, caplog):
    command, extension, target = build_kernels
    _stand_in_compiler(monkeypatch, None)
    with caplog.at_level(logging.WARNING, logger="outrank_cli.build"):
        command.build_extension(extension)
    assert target.exists()
    assert caplog.records == []


def test_an_interrupted_build_is_not_swallowed(build_kernels, monkeypatch):
    command, extension, _ = build_kernels
    _stand_in_compiler(monkeypatch, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        command.build_extension(extension)
