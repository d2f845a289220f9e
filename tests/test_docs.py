"""The README stays true: every command and option a user can meet is documented there."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

from outrank_cli.cli import COMMANDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_of_every_command_is_in_the_readme(cli, command):
    result = cli(command, "--help")
    assert result.code == 0
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", result.out)) - {"--help"}
    assert options, result.out
    missing = sorted(o for o in options if not re.search(re.escape(o) + r"(?![\w-])", README))
    assert not missing, f"{command}: undocumented options {missing}"
    assert f"outrank-cli {command}" in README


def test_every_command_has_help_text(cli):
    result = cli("--help")
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\S", result.out, re.M), command


def test_every_check_finding_code_is_listed_once_and_documented():
    from outrank_cli.checks.findings import CODES

    # every code a finding is made with is in the one list, and every listed code is used
    package = ROOT / "outrank_cli" / "checks"
    source = "".join(p.read_text() for p in sorted(package.glob("*.py")) if p.name != "findings.py")
    used = set(re.findall(r'Finding\(\s*"([a-z_]+)"', source))
    assert used == set(CODES)
    for code in CODES:
        assert f"`{code}`" in README, code


def test_readme_quick_start_commands_are_the_ci_commands():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install -e '.[dev]' && python -m pytest" in README
    assert "pip install -e '.[dev]' && python -m pytest" in ci
    assert "pip install . && outrank-cli rank sample_data/adult.csv --target income" in README


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed")
def test_ruff_is_clean():
    done = subprocess.run(["ruff", "check", "outrank_cli", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:]


def test_mypy_strict_is_clean():
    pytest.importorskip("mypy")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "outrank_cli"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout[-3000:]


def test_the_installed_version_is_the_package_version():
    from importlib.metadata import version

    import outrank_cli

    assert version("outrank-cli") == outrank_cli.__version__


def test_the_kernel_backend_variable_and_its_values_are_documented():
    from outrank_cli.kernels import backend

    assert f"`{backend.ENVIRONMENT_VARIABLE}`" in README
    for mode in backend.MODES:
        assert f"`{mode}`" in README, mode
