"""The ahead-of-time compiled kernels: present, identical to the JIT, and guarded.

``kernels._compiled`` is what every run uses after ``pip install``; the JIT (the same
``@njit`` sources) is the fallback. Each compiled kernel must return exactly what its JIT
twin returns, and a call with a wrong dtype, layout or arity must raise instead of reading
memory as the wrong type.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from outrank_cli.kernels import backend, exports
from outrank_cli.kernels.constants import EMPTY_SLOT, STATUS_DONE, STATUS_GROW, STATUS_OVERFLOW

pytestmark = pytest.mark.skipif(
    os.environ.get(backend.ENVIRONMENT_VARIABLE, "auto") == "jit",
    reason="the suite runs with OUTRANK_CLI_KERNELS=jit",
)


def _jit(name: str):
    import importlib

    module = importlib.import_module(f"outrank_cli.kernels.njit.{exports.EXPORTS[name].module}")
    return getattr(module, name)


def test_the_installed_package_runs_compiled_kernels():
    # a silent fallback to the JIT would cost every run a third of a second
    assert backend.backend_name() == "compiled"


def test_every_export_is_in_the_compiled_module():
    from outrank_cli.kernels import _compiled

    for name in exports.EXPORTS:
        assert callable(getattr(_compiled, name)), name
    assert _compiled.source_hash() == exports.source_hash()


def _encode_inputs(rng: np.random.Generator, n: int, levels: int, max_levels: int):
    keys = rng.integers(0, levels, n).astype(np.uint64) * np.uint64(0x9E3779B1)
    missing = rng.random(n) < 0.1
    target = rng.integers(-1, 3, n).astype(np.int32)
    n_slots = 64
    return [
        keys,
        missing,
        target,
        0,
        1,
        np.zeros(n_slots, dtype=np.uint64),
        np.full(n_slots, EMPTY_SLOT, dtype=np.int32),
        np.zeros(n_slots // 2 + 1, dtype=np.uint64),
        np.zeros(1, dtype=np.int64),
        max_levels,
        np.zeros((n_slots // 2 + 1, 3), dtype=np.int64),
        np.zeros(n, dtype=np.int32),
    ]


@pytest.mark.parametrize(
    ("levels", "max_levels", "status"),
    [(10, 20, STATUS_DONE), (40, 20, STATUS_OVERFLOW), (40, 100, STATUS_GROW)],
)
def test_encode_count_matches_the_jit_in_every_outcome(levels, max_levels, status):
    rng = np.random.default_rng(levels + max_levels)
    compiled_args = _encode_inputs(rng, 500, levels, max_levels)
    jit_args = [a.copy() if isinstance(a, np.ndarray) else a for a in compiled_args]
    got = backend.kernel("encode_count")(*compiled_args)
    want = _jit("encode_count")(*jit_args)
    assert tuple(got) == tuple(want)
    assert got[1] == status
    for mine, theirs in zip(compiled_args, jit_args, strict=True):
        if isinstance(mine, np.ndarray):
            np.testing.assert_array_equal(mine, theirs)


def test_counting_and_sketch_kernels_match_the_jit():
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**63, 2_000, dtype=np.int64).astype(np.uint64)
    missing = rng.random(2_000) < 0.2
    target = rng.integers(0, 4, 2_000).astype(np.int32)

    def run(kernel_of):
        counts = np.zeros((18, 4), dtype=np.int64)
        codes = np.zeros(2_000, dtype=np.int32)
        kernel_of("fold_count")(keys, missing, target, 17, counts, codes)
        registers = np.zeros(exports_hll_registers(), dtype=np.uint8)
        kernel_of("hll_add")(registers, keys, missing)
        buckets = kernel_of("bucket_of")(keys, 17)
        floats = keys.view(np.float64).copy()
        float_keys, float_missing = np.empty(2_000, dtype=np.uint64), np.empty(2_000, dtype=np.bool_)
        n_nan = kernel_of("float_keys")(floats, float_keys, float_missing)
        slot_keys = np.zeros(64, dtype=np.uint64)
        slot_codes = np.full(64, EMPTY_SLOT, dtype=np.int32)
        kernel_of("insert_levels")(keys[:21].copy(), 20, slot_keys, slot_codes)
        return counts, codes, registers, buckets, slot_keys, slot_codes, float_keys, float_missing, n_nan

    for mine, theirs in zip(run(backend.kernel), run(_jit), strict=True):
        np.testing.assert_array_equal(mine, theirs)


def exports_hll_registers() -> int:
    from outrank_cli.kernels.constants import HLL_REGISTERS

    return HLL_REGISTERS


def test_statistics_kernels_match_the_jit_bit_for_bit():
    rng = np.random.default_rng(2)
    table = rng.integers(0, 50, (30, 4)).astype(np.float64)
    a = table.sum(axis=0)
    values, multiplicity = np.unique(table.sum(axis=1), return_counts=True)
    cases = [
        ("entropy", (table.ravel(),)),
        ("mutual_information", (table,)),
        ("expected_mutual_information", (a, values, multiplicity.astype(np.float64))),
        ("permutation_mi", (a.astype(np.int64), table.sum(axis=1).astype(np.int64), 50, 7)),
    ]
    codes_a = rng.integers(0, 300, 5_000).astype(np.int32)
    codes_b = rng.integers(0, 400, 5_000).astype(np.int32)  # 120,000 cells: the hashed path
    y = rng.integers(0, 3, 5_000).astype(np.int32)
    for levels_a in (8, 300):
        a_codes = codes_a % levels_a
        cells = _jit("pair_table")(a_codes, codes_b, y, 400, 3)
        got = backend.kernel("pair_table")(a_codes, codes_b, y, 400, 3)
        for mine, theirs in zip(got, cells, strict=True):
            np.testing.assert_array_equal(mine, theirs)
        cases.append(("conditional_mi", (cells[0], cells[2])))
        weights = cells[2].sum(axis=1).astype(np.float64)
        cases.append(("pair_mi", (cells[0], cells[1], weights, levels_a, 400)))
    for name, args in cases:
        got, want = backend.kernel(name)(*args), _jit(name)(*args)
        np.testing.assert_array_equal(np.asarray(got), np.asarray(want), err_msg=name)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((np.ones((2, 2), dtype=np.int64),), "C-contiguous float64 array of 2 dimension"),
        ((np.ones((4, 4))[:, ::2],), "got a strided float64 array"),
        ((np.ones(4),), "of 2 dimension(s), got a C-contiguous float64 array of 1"),
        (([[1.0, 2.0]],), "expected an array, got list"),
        ((), "takes 1 arguments, got 0"),
    ],
)
def test_a_wrong_argument_raises_instead_of_being_misread(args, message):
    with pytest.raises(TypeError, match="kernel mutual_information") as error:
        backend.kernel("mutual_information")(*args)
    assert message in str(error.value)


def test_scalar_arguments_are_checked():
    keys = np.arange(4, dtype=np.uint64)
    with pytest.raises(TypeError, match=r"argument 1: expected a i8 scalar, got float"):
        backend.kernel("bucket_of")(keys, 3.0)
    with pytest.raises(TypeError, match=r"argument 1: expected a i8 scalar, got bool"):
        backend.kernel("bucket_of")(keys, True)
    np.testing.assert_array_equal(backend.kernel("bucket_of")(keys, np.int64(3)), _jit("bucket_of")(keys, 3))


def _run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}, timeout=300
    )


def test_the_compiled_backend_does_not_import_numba():
    done = _run_python(
        "import sys, numpy as np\n"
        "from outrank_cli.kernels import information\n"
        "print(information.mutual_information(np.array([[5, 0], [0, 5]])), 'numba' in sys.modules)"
    )
    assert done.returncode == 0, done.stderr
    value, numba_loaded = done.stdout.split()
    assert float(value) == pytest.approx(np.log(2), abs=1e-15)
    assert numba_loaded == "False"


def test_jit_mode_uses_numba_and_gives_the_same_answer():
    done = _run_python(
        "import sys, numpy as np\n"
        "from outrank_cli.kernels import backend, information\n"
        "print(information.mutual_information(np.array([[5, 0], [0, 5]])), backend.backend_name(), 'numba' in sys.modules)",
        OUTRANK_CLI_KERNELS="jit",
    )
    assert done.returncode == 0, done.stderr
    value, name, numba_loaded = done.stdout.split()
    assert (float(value), name, numba_loaded) == (float(np.log(2)), "jit", "True")


def test_stale_compiled_kernels_fall_back_to_the_jit_or_fail_when_required(monkeypatch):
    monkeypatch.setattr(backend, "source_hash", lambda: -1)
    backend._compiled_module.cache_clear()
    try:
        assert backend.backend_name() == "jit"
        monkeypatch.setenv(backend.ENVIRONMENT_VARIABLE, "compiled")
        backend._compiled_module.cache_clear()
        with pytest.raises(backend.KernelBackendError, match="built from other sources"):
            backend.backend_name()
    finally:
        backend._compiled_module.cache_clear()


def test_an_unknown_backend_name_is_a_usage_error(tmp_path):

    path = tmp_path / "t.csv"
    path.write_text("y,a\n0,x\n1,y\n0,x\n1,y\n")
    done = subprocess.run(
        [sys.executable, "-m", "outrank_cli", "rank", str(path), "-t", "y", "-q"],
        capture_output=True,
        text=True,
        env={**os.environ, backend.ENVIRONMENT_VARIABLE: "fast"},
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.strip() == (
        "outrank-cli: error: OUTRANK_CLI_KERNELS='fast' is not a kernel backend; use one of auto, compiled, jit"
    )
    assert "Traceback" not in done.stderr
