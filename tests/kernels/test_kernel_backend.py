"""The kernel table and the ahead-of-time compiled kernels: derived, present, identical, guarded.

A kernel's signature is written once, as annotations on its ``@njit`` function;
``kernels.exports`` reads the table of exported kernels from the sources without importing
numba. The table must say exactly what the functions say. ``kernels._compiled`` is what every
run uses after ``pip install``; the JIT (the same ``@njit`` sources) is the fallback. Each
compiled kernel must return exactly what its JIT twin returns, and a call with a wrong dtype,
layout or arity must raise instead of reading memory as the wrong type.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import math
import os
import subprocess
import sys
import typing
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from outrank_cli.kernels import backend, exports
from outrank_cli.kernels.constants import (
    EMPTY_SLOT,
    HLL_REGISTERS,
    STATUS_DONE,
    STATUS_GROW,
    STATUS_OVERFLOW,
)

TABLE = exports.export_table()
KERNEL_MODULES = sorted({export.module for export in TABLE.values()})

compiled_only = pytest.mark.skipif(
    os.environ.get(backend.ENVIRONMENT_VARIABLE, "auto") == "jit",
    reason="the suite runs with OUTRANK_CLI_KERNELS=jit",
)


def _jit(name: str) -> Callable[..., typing.Any]:
    module = importlib.import_module(f"outrank_cli.kernels.njit.{TABLE[name].module}")
    return typing.cast(Callable[..., typing.Any], getattr(module, name))


def _python_function(name: str) -> Callable[..., typing.Any]:
    """The plain Python function under the dispatcher (the function itself without the JIT)."""
    kernel = _jit(name)
    return typing.cast(Callable[..., typing.Any], getattr(kernel, "py_func", kernel))


# -- the table, read from the sources ---------------------------------------------------------
def _numba_type_of(hint: object) -> str:
    """The numba type an evaluated annotation stands for (Python's reading, not the parser's)."""
    if hint is type(None):
        return "void"
    if typing.get_origin(hint) is tuple:
        items = [_numba_type_of(item) for item in typing.get_args(hint)]
        if len(set(items)) == 1:
            return f"UniTuple({items[0]}, {len(items)})"
        return f"Tuple(({', '.join(items)}))"
    assert typing.get_origin(hint) is typing.Annotated, hint
    metadata = typing.get_args(hint)[-1]
    assert isinstance(metadata, str)
    return metadata


@pytest.mark.parametrize("name", list(TABLE))
def test_the_table_says_what_the_kernel_function_says(name):
    function = _python_function(name)
    export = TABLE[name]
    parameters = inspect.signature(function).parameters
    assert [arg.name for arg in export.args] == list(parameters)
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in parameters.values())
    # every argument and the result are annotated, and Python resolves each annotation to
    # the numba type the parser read from the text
    hints = typing.get_type_hints(function, include_extras=True)
    assert set(hints) == {*parameters, "return"}, f"{name} is not fully annotated"
    for arg in export.args:
        assert _numba_type_of(hints[arg.name]) == arg.numba_type, (name, arg.name)
    assert _numba_type_of(hints["return"]) == export.returns
    assert (export.doc and inspect.cleandoc(export.doc)) == inspect.getdoc(function)


def test_the_table_has_every_kernel_marked_export_and_no_other():
    # the reader looks only at the signatures; a full parse of the sources must agree
    found = []
    for path in sorted(exports.KERNEL_DIR.glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and any(
                "export" in ast.unparse(decorator) for decorator in node.decorator_list
            ):
                found.append((path.stem, node.name))
    assert found == [(export.module, export.name) for export in TABLE.values()]


def test_the_table_reproduces_the_signatures_the_kernels_were_compiled_with():
    # what the hand-written table said before the signatures moved into the sources
    assert TABLE["encode_count"].signature == (
        "UniTuple(i8, 2)(u8[::1], b1[::1], i4[::1], i8, i8, u8[::1], i4[::1], u8[::1], i8[::1], i8, "
        "i8[:, ::1], i4[::1])"
    )
    assert (
        TABLE["pair_table"].signature
        == "Tuple((i8[::1], i8[::1], i8[:, ::1]))(i4[::1], i4[::1], i4[::1], i8, i8)"
    )
    assert TABLE["conditional_mi"].signature == "UniTuple(f8, 3)(i8[::1], i8[:, ::1])"
    assert TABLE["fold_count"].signature == "void(u8[::1], b1[::1], i4[::1], i8, i8[:, ::1], i4[::1])"
    assert TABLE["mix64_array"].signature == "u8[::1](u8[::1], u8)"


def test_the_source_hash_covers_every_compiled_file():
    hashed = {name for name, _ in exports._kernel_sources()}
    assert {exports.TYPES_MODULE, *KERNEL_MODULES} <= hashed
    assert hashed == {path.stem for path in exports.KERNEL_DIR.glob("*.py")}


def _aliases() -> dict[str, str]:
    return exports._aliases((exports.KERNEL_DIR / f"{exports.TYPES_MODULE}.py").read_text())


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "@export\n@nb.njit\ndef k(a: U8Array, b) -> None:\n    pass\n",
            "argument b of exported kernel k has no numba type",
        ),
        (
            "@export\n@nb.njit\ndef k(a: np.ndarray) -> None:\n    pass\n",
            "argument a of exported kernel k has no numba type",
        ),
        (
            "@export\n@nb.njit\ndef k(a: U8Array):\n    pass\n",
            "the result of exported kernel k has no numba type",
        ),
        (
            "@export\n@nb.njit\ndef k(a: U8Array, b: I8 = 1) -> None:\n    pass\n",
            "plain positional arguments",
        ),
        ('@export\ndef k(a: Annotated[np.ndarray, "u8[:]"]) -> None:\n    pass\n', "C-contiguous"),
        ('@export\ndef k(a: Annotated[np.ndarray, "c16[::1]"]) -> None:\n    pass\n', "use one of b1, u1"),
        ("@export\n\nx = 1\n", "no function definition follows @export"),
    ],
)
def test_a_kernel_without_a_readable_signature_is_rejected(source, message):
    with pytest.raises(exports.SignatureError, match=r"njit/fake\.py line 1") as error:
        list(exports._exports_of(source, "fake", _aliases()))
    assert message in str(error.value)


def test_the_reader_takes_inline_annotations_multi_line_headers_and_docstrings():
    source = (
        "@export\n@nb.njit(\n    cache=True,\n)\ndef k(\n    a: U8Array,  # keys\n"
        '    b: Annotated[int, "i8"],\n) -> tuple[I8Array, F8]:\n    """One line."""\n    return a\n'
    )
    (export,) = exports._exports_of(source, "fake", _aliases())
    assert export.signature == "Tuple((i8[::1], f8))(u8[::1], i8)"
    assert export.doc == "One line."


# -- the compiled module against the JIT ------------------------------------------------------
@compiled_only
def test_the_installed_package_runs_compiled_kernels():
    # a silent fallback to the JIT would cost every run a third of a second
    assert backend.backend_name() == "compiled"


@compiled_only
def test_every_export_is_in_the_compiled_module():
    from outrank_cli.kernels import _compiled

    for name in TABLE:
        assert callable(getattr(_compiled, name)), name
    assert _compiled.source_hash() == exports.source_hash()


def _encode_inputs(levels: int, max_levels: int, n: int = 500) -> list[typing.Any]:
    rng = np.random.default_rng(levels + max_levels)
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


def _direct_inputs(levels: int, max_levels: int, span: int, n: int = 500) -> list[typing.Any]:
    """Keys ``2**63 + 0 .. levels - 1`` against a direct index of ``span`` keys from
    ``2**63 + 0`` (a span below ``levels`` stops at a key outside it)."""
    rng = np.random.default_rng(levels + max_levels + span)
    base = 2**63
    keys = rng.integers(0, levels, n).astype(np.uint64) + np.uint64(base)
    rows = 33
    return [
        keys,
        rng.random(n) < 0.1,
        rng.integers(-1, 3, n).astype(np.int32),
        0,
        0,
        np.uint64(base),
        np.full(span, EMPTY_SLOT, dtype=np.int32),
        np.zeros(rows, dtype=np.uint64),
        np.zeros(1, dtype=np.int64),
        max_levels,
        np.zeros((rows, 3), dtype=np.int64),
        np.zeros(n, dtype=np.int32),
    ]


def _keys_and_missing() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**63, 2_000, dtype=np.int64).astype(np.uint64)
    return keys, rng.random(2_000) < 0.2, rng.integers(0, 4, 2_000).astype(np.int32)


def _pair_inputs(levels_a: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    codes_a = rng.integers(0, levels_a, 5_000).astype(np.int32)
    codes_b = rng.integers(0, 400, 5_000).astype(np.int32)  # with 300 levels of a: the hashed path
    return codes_a, codes_b, rng.integers(0, 3, 5_000).astype(np.int32)


def _table() -> np.ndarray:
    return np.random.default_rng(2).integers(0, 50, (30, 4)).astype(np.float64)


def _statistics_margins() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    table = _table()
    values, multiplicity = np.unique(table.sum(axis=1), return_counts=True)
    return table.sum(axis=0), values, multiplicity.astype(np.float64)


def _cells(levels_a: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cell_a, cell_b, counts = _jit("pair_table")(*_pair_inputs(levels_a), 400, 3)
    return cell_a, cell_b, counts


def _float_inputs() -> list[np.ndarray]:
    keys, _, _ = _keys_and_missing()
    floats = keys.view(np.float64).copy()
    floats[::7] = np.nan
    floats[1::9] = -0.0
    return [floats, np.empty(2_000, dtype=np.uint64), np.empty(2_000, dtype=np.bool_)]


def _screen_inputs(n: int, n_target: int) -> list[typing.Any]:
    rng = np.random.default_rng(n)
    levels = np.array([2, 16, 7, 1, 16], dtype=np.int64)
    codes = np.stack([rng.integers(0, lv, n) for lv in levels]).astype(np.uint8)
    target = rng.integers(0, n_target, n).astype(np.int32)
    first, second = (np.ascontiguousarray(x, dtype=np.int64) for x in np.triu_indices(5, k=1))
    return [codes, target, n_target, levels, first, second]


def _minhash_inputs(levels: int) -> list[np.ndarray]:
    codes = np.random.default_rng(levels).integers(0, levels, 2_000).astype(np.int32)
    return [codes, _jit("mix64_array")(np.arange(2_000, dtype=np.uint64), np.uint64(3))]


def _pair_screen_inputs(k: int) -> list[np.ndarray]:
    """Signatures of 6 columns at k anchors (few values: many agreements; empty blocks), with
    the fingerprints and occupied bits the screen kernels take."""
    rng = np.random.default_rng(k)
    signatures = rng.integers(0, 3, (6, k)).astype(np.uint64)
    blocks = (rng.integers(0, 5, (6, k)) * (rng.random((6, k)) < 0.8)).astype(np.int32)
    padded = -(-k // 128) * 128
    byte = np.zeros((6, padded), dtype=np.uint8)
    byte[:, :k] = (signatures + 2).astype(np.uint8)
    occupied = np.zeros((6, padded), dtype=bool)
    occupied[:, :k] = blocks > 0
    words = np.zeros((6, -(-k // 64) * 8), dtype=np.uint8)
    bits = np.packbits(blocks > 0, axis=1, bitorder="little")
    words[:, : bits.shape[1]] = bits
    return [
        np.where(occupied, byte, np.uint8(0)).view(np.uint64),
        np.where(occupied, byte, np.uint8(1)).view(np.uint64),
        words.view(np.uint64),
        signatures,
        blocks,
        blocks / 1_999.0,
    ]


def _with_summaries(inputs: list[np.ndarray]) -> list[np.ndarray]:
    """``_pair_screen_inputs`` followed by each column's occupied anchors and smallest
    non-empty block with its share (``column_summaries``), computed here with numpy."""
    blocks, shares = inputs[4], inputs[5]
    positive = np.where(blocks > 0, blocks, np.iinfo(np.int32).max)
    first_least = positive.argmin(axis=1)
    some = (blocks > 0).any(axis=1)
    rows = np.arange(blocks.shape[0])
    return [
        *inputs,
        (blocks > 0).sum(axis=1).astype(np.int64),
        np.where(some, blocks[rows, first_least], 0).astype(np.int64),
        np.where(some, shares[rows, first_least], 0.0),
    ]


def _hash_order(levels: int, anchors: np.ndarray) -> list[np.ndarray]:
    """``block_minhash``'s rows by hash, anchor positions and anchor ids (``kernels.screen.hash_order``)."""
    rows = np.argsort(_minhash_inputs(levels)[1], kind="stable").astype(np.int64)
    position = np.empty(rows.shape[0], dtype=np.int64)
    position[rows] = np.arange(rows.shape[0])
    ids = np.argsort(position[anchors], kind="stable").astype(np.int64)
    return [rows, position[anchors][ids], ids]


def _gather_codes(dtype: type) -> np.ndarray:
    return np.random.default_rng(3).integers(0, 50, 1_000).astype(dtype)


def _gather_order() -> np.ndarray:
    return np.random.default_rng(4).permutation(1_000)[:300].astype(np.int64)


def _gather_map() -> np.ndarray:
    return (np.arange(50, dtype=np.int32) * 7919) % 100_003


def _gather_cases(dtype: type) -> list[Callable[[], list[typing.Any]]]:
    """Codes of ``dtype`` gathered without a map (an empty one) and through one."""
    no_map = lambda: np.zeros(0, dtype=np.int32)  # noqa: E731
    return [
        lambda remap=remap: [_gather_codes(dtype), _gather_order(), remap(), np.zeros(300, dtype=np.int32)]
        for remap in (no_map, _gather_map)
    ]


def _narrow_gather_cases() -> list[Callable[[], list[typing.Any]]]:
    """``uint16`` codes gathered into ``uint16``, without a map and through one that fits."""
    fitting = lambda: (np.arange(50, dtype=np.int32) * 7919) % 65_521  # noqa: E731
    no_map = lambda: np.zeros(0, dtype=np.int32)  # noqa: E731
    return [
        lambda remap=remap: [
            _gather_codes(np.uint16),
            _gather_order(),
            remap(),
            np.zeros(300, dtype=np.uint16),
        ]
        for remap in (no_map, fitting)
    ]


def _narrowed(
    cases: list[Callable[[], list[typing.Any]]], *positions: int
) -> list[Callable[[], list[typing.Any]]]:
    """``cases`` with the arguments at ``positions`` (code columns) as ``uint16``."""
    return [
        lambda case=case: [a.astype(np.uint16) if i in positions else a for i, a in enumerate(case())]
        for case in cases
    ]


# Arguments of each exported kernel, several cases each; outputs are arrays among them.
CASES: dict[str, list[Callable[[], list[typing.Any]]]] = {
    "encode_count": [
        lambda: _encode_inputs(10, 20),  # STATUS_DONE
        lambda: _encode_inputs(40, 20),  # STATUS_OVERFLOW
        lambda: _encode_inputs(40, 100),  # STATUS_GROW
    ],
    "encode_count_direct": [
        lambda: _direct_inputs(10, 20, 10),  # STATUS_DONE
        lambda: _direct_inputs(30, 20, 30),  # STATUS_OVERFLOW
        lambda: _direct_inputs(40, 100, 40),  # STATUS_GROW
        lambda: _direct_inputs(30, 100, 20),  # STATUS_SPAN
    ],
    "permute_levels": [
        lambda: [
            np.arange(8, dtype=np.uint64) * np.uint64(3),
            np.arange(24, dtype=np.int64).reshape(8, 3),
            np.random.default_rng(2).permutation(7).astype(np.int64),
        ],
        lambda: [np.zeros(1, dtype=np.uint64), np.zeros((1, 2), dtype=np.int64), np.zeros(0, dtype=np.int64)],
    ],
    "code_map_of_order": [
        lambda: [np.random.default_rng(3).permutation(9).astype(np.int64)],
        lambda: [np.zeros(0, dtype=np.int64)],
    ],
    "direct_order": [
        lambda: [np.array([EMPTY_SLOT, 3, EMPTY_SLOT, 1, 4, EMPTY_SLOT, 2], dtype=np.int32), 4],
        lambda: [np.full(5, EMPTY_SLOT, dtype=np.int32), 0],
    ],
    "keys_ascending": [
        lambda: [np.array([1, 5, 5, 9], dtype=np.uint64)],
        lambda: [np.array([1, 5, 4, 9], dtype=np.uint64)],
        lambda: [np.array([2**64 - 1, 0], dtype=np.uint64)],
        lambda: [np.zeros(0, dtype=np.uint64)],
    ],
    "insert_direct": [
        lambda: [
            np.array([0, 7, 3, 12, 5], dtype=np.uint64) + np.uint64(2**63),
            4,
            np.uint64(2**63 + 2),
            np.full(11, EMPTY_SLOT, dtype=np.int32),
        ]
    ],
    "fold_count": [
        lambda: [
            *_keys_and_missing(),
            17,
            np.zeros((18, 4), dtype=np.int64),
            np.zeros(2_000, dtype=np.int32),
        ],
        lambda: [
            _keys_and_missing()[0],
            np.zeros(0, dtype=np.bool_),
            _keys_and_missing()[2],
            5,
            np.zeros((6, 4), dtype=np.int64),
            np.zeros(0, dtype=np.int32),
        ],
    ],
    "insert_levels": [
        lambda: [
            _keys_and_missing()[0][:21].copy(),
            20,
            np.zeros(64, dtype=np.uint64),
            np.full(64, EMPTY_SLOT, dtype=np.int32),
        ]
    ],
    "bucket_of": [lambda: [_keys_and_missing()[0], 17], lambda: [np.zeros(0, dtype=np.uint64), 3]],
    "gamma_series": [lambda: [3.5, 2.0, math.lgamma(3.5)], lambda: [5000.0, 4900.0, math.lgamma(5000.0)]],
    "gamma_continued_fraction": [
        lambda: [3.5, 9.0, math.lgamma(3.5)],
        lambda: [0.5, 700.0, math.lgamma(0.5)],
    ],
    "beta_fraction": [lambda: [9500.0, 7.5, 0.3], lambda: [0.5, 0.5, 0.2], lambda: [3.0, 400.0, 1e-3]],
    "sum_rows_by_index": [
        lambda: [
            np.arange(12, dtype=np.int64).reshape(6, 2),
            np.array([2, 0, 2, 1, 0, 2], dtype=np.int64),
            3,
        ],
        lambda: [np.zeros((0, 3), dtype=np.int64), np.zeros(0, dtype=np.int64), 2],
    ],
    "frequency_bins": [
        lambda: [np.random.default_rng(6).integers(0, 40, 300), 16],
        lambda: [np.array([0, 0, 5, 0, 7, 0], dtype=np.int64), 4],  # empty cells, leading too
        lambda: [np.zeros(3, dtype=np.int64), 2],  # no rows at all
    ],
    "entropy_of_codes": [
        lambda: [np.random.default_rng(8).integers(0, 30, 500).astype(np.int32), 30],
        lambda: [np.array([0, 5, 5, 2], dtype=np.int32), 3],  # a code past the levels
        lambda: [np.zeros(0, dtype=np.int32), 4],
        lambda: [np.array([1, -1], dtype=np.int32), 2],  # negative: -1
    ],
    "binned_table": [
        lambda: [
            np.random.default_rng(7).integers(0, 9, (301, 3)),
            np.arange(301, dtype=np.uint64) * np.uint64(5),
            16,
        ],
        lambda: [np.array([[1, 2], [0, 0], [3, 1]], dtype=np.int64), np.array([0, 4, 9], dtype=np.uint64), 4],
        lambda: [np.ones((4, 2), dtype=np.int64), np.array([0, 3, 2, 8], dtype=np.uint64), 2],  # out of order
    ],
    "float_keys": [_float_inputs],
    "coarse_codes": [
        lambda: [
            _gather_codes(np.int32),
            _gather_order(),
            50,
            16,
            8,
            np.uint64(3),
            np.zeros(300, dtype=np.uint8),
        ],
        lambda: [
            _gather_codes(np.int32) % 9,
            _gather_order(),
            9,
            16,
            8,
            np.uint64(0),
            np.zeros(300, dtype=np.uint8),
        ],
    ],
    "gather_narrow": _gather_cases(np.uint16),
    "gather_wide": _gather_cases(np.int32),
    "gather_narrow_to_narrow": _narrow_gather_cases(),
    "mix64_array": [
        lambda: [_keys_and_missing()[0], np.uint64(0)],
        lambda: [_keys_and_missing()[0], np.uint64(2**64 - 1)],
        lambda: [np.arange(10, dtype=np.uint64), np.uint64(12345)],
    ],
    "mix64_accumulate": [
        lambda: [_keys_and_missing()[0][::-1].copy(), *_keys_and_missing()[:2], np.uint64(7), np.uint64(3)],
        lambda: [
            np.zeros(2_000, dtype=np.uint64),
            _keys_and_missing()[0],
            np.zeros(0, dtype=np.bool_),
            np.uint64(0),
            np.uint64(2**64 - 1),
        ],
    ],
    "hll_add": [
        lambda: [np.zeros(HLL_REGISTERS, dtype=np.uint8), *_keys_and_missing()[:2]],
        lambda: [
            np.zeros(HLL_REGISTERS, dtype=np.uint8),
            _keys_and_missing()[0],
            np.zeros(0, dtype=np.bool_),
        ],
    ],
    "entropy": [lambda: [_table().ravel()], lambda: [np.zeros(3)]],
    "mutual_information": [lambda: [_table()], lambda: [np.zeros((2, 2))]],
    "table_summaries": [
        lambda: [_table().astype(np.int64), np.array([0, _table().shape[0]], dtype=np.int64)],
        lambda: [np.zeros((3, 2), dtype=np.int64), np.array([0, 1, 3], dtype=np.int64)],
        # one target level; a table of one row between two others
        lambda: [
            np.array([[0, 0], [5, 0], [5, 0], [1, 2]], dtype=np.int64),
            np.array([0, 1, 2, 4], dtype=np.int64),
        ],
        lambda: [np.zeros((0, 2), dtype=np.int64), np.array([0], dtype=np.int64)],  # no table
    ],
    "trend_test": [
        lambda: [_table().astype(np.int64), 0],
        lambda: [_table().astype(np.int64), 1],
        lambda: [np.array([[3, 1], [0, 4], [2, 2], [1, 0]], dtype=np.int64), 0],  # two classes
        lambda: [np.zeros((3, 2), dtype=np.int64), 0],
        lambda: [np.array([[0, 0], [1, 0]], dtype=np.int64), 1],  # one row
    ],
    "entropy_of_counts": [lambda: [_table().ravel().astype(np.int64)], lambda: [np.zeros(3, dtype=np.int64)]],
    "mutual_information_of_counts": [
        lambda: [_table().astype(np.int64)],
        lambda: [np.zeros((2, 2), dtype=np.int64)],
    ],
    "expected_mutual_information": [lambda: list(_statistics_margins())],
    "pair_table": [lambda: [*_pair_inputs(8), 400, 3], lambda: [*_pair_inputs(300), 400, 3]],
    "level_sums": [
        lambda: [
            np.random.default_rng(9).integers(0, 40, 500).astype(np.int32),
            np.random.default_rng(10).normal(size=(2, 500)),
            40,
        ],
        lambda: [np.array([0, 5, 5, 2], dtype=np.int32), np.ones((1, 4)), 3],  # a code past the levels
        lambda: [np.zeros(0, dtype=np.int32), np.zeros((3, 0)), 4],
        lambda: [np.array([1, -1], dtype=np.int32), np.ones((1, 2)), 2],  # negative: nothing
    ],
    "residual_anova": [
        # stored codes through two maps at their slots (some not in the sample); unordered, 40
        # levels pooled to 16
        lambda: [
            np.random.default_rng(11).integers(0, 50, 700).astype(np.int32),
            np.where(np.arange(700) % 7 == 3, -1, np.random.default_rng(12).permutation(700) % 600).astype(
                np.int64
            )[:700],
            np.random.default_rng(13).integers(0, 45, 50).astype(np.int32),
            np.random.default_rng(14).integers(0, 40, 45).astype(np.int32),
            np.random.default_rng(15).normal(size=(2, 700)),
            40,
            16,
            0,
        ],
        # made codes (no slots, no maps), ordered: the slope too; a code past the levels
        lambda: [
            np.random.default_rng(16).integers(0, 9, 300).astype(np.int32),
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.random.default_rng(17).normal(size=(1, 300)),
            5,
            16,
            1,
        ],
        lambda: [
            np.array([1, -1], dtype=np.int32),
            np.zeros(0, dtype=np.int64),
            np.zeros(0, dtype=np.int32),
            np.zeros(0, dtype=np.int32),
            np.ones((1, 2)),
            2,
            16,
            0,
        ],
    ],
    "conditional_mi": [lambda: [_cells(8)[0], _cells(8)[2]], lambda: [_cells(300)[0], _cells(300)[2]]],
    "pair_mi": [
        lambda: [*_cells(8)[:2], _cells(8)[2].sum(axis=1).astype(np.float64), 8, 400],
        lambda: [*_cells(300)[:2], _cells(300)[2].sum(axis=1).astype(np.float64), 300, 400],
    ],
    "screen_pairs": [
        lambda: _screen_inputs(3_000, 2),
        lambda: _screen_inputs(500, 4),
        lambda: _screen_inputs(0, 2),
    ],
    "block_minhash": [
        lambda: [*_minhash_inputs(7), *_hash_order(7, np.arange(0, 2_000, 13)), 7],
        lambda: [*_minhash_inputs(900), *_hash_order(900, np.arange(0, 2_000, 3)), 900],
    ],
    "minhash_excess": [
        lambda: [
            np.random.default_rng(1).integers(0, 4, (6, 50)).astype(np.uint64),
            np.random.default_rng(2).integers(0, 5, (6, 50)).astype(np.int32),
            np.random.default_rng(2).integers(0, 5, (6, 50)) / 1_999.0,
            np.array([0, 1, 2, 5], dtype=np.int64),
            np.array([1, 3, 5, 5], dtype=np.int64),
        ]
    ],
    "column_summaries": [
        lambda: [_pair_screen_inputs(256)[i] for i in (2, 4, 5)],
        lambda: [_pair_screen_inputs(40)[i] for i in (2, 4, 5)],
    ],
    "screen_listed_pairs": [
        lambda: [
            *_with_summaries(_pair_screen_inputs(256)),
            np.array([0, 1, 2, 5, 3], dtype=np.int64),
            np.arange(1, 6),
            64,
            0.1,
        ],
        lambda: [
            *_with_summaries(_pair_screen_inputs(40)),
            np.array([0, 4], dtype=np.int64),
            np.array([1, 5], dtype=np.int64),
            64,
            0.1,
        ],
    ],
    "screen_pair_ranges": [
        lambda: [
            *_with_summaries(_pair_screen_inputs(256)),
            np.full(6, 6),
            0,
            6,
            64,
            0.1,
            np.zeros(20, dtype=np.int64),
            np.zeros(20, dtype=np.int64),
        ],
        lambda: [
            *_with_summaries(_pair_screen_inputs(200)),
            np.array([3, 6, 4, 6, 5, 6]),
            0,
            5,
            64,
            0.1,
            np.zeros(2, dtype=np.int64),
            np.zeros(2, dtype=np.int64),
        ],
    ],
    "permutation_mi": [
        lambda: [
            _table().sum(axis=0).astype(np.int64),
            _table().sum(axis=1).astype(np.int64),
            50,
            7,
        ]
    ],
}


def _copied(args: list[typing.Any]) -> list[typing.Any]:
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]


# the narrow kernels take their wide twins' cases (those with non-negative codes) as uint16
NARROW_TWINS = {
    "entropy_of_narrow_codes": ("entropy_of_codes", (0,), 3),
    "coarse_codes_narrow": ("coarse_codes", (0,), None),
    "pair_table_narrow": ("pair_table", (0, 1), None),
    "level_sums_narrow": ("level_sums", (0,), 3),
    "residual_anova_narrow": ("residual_anova", (0,), 2),
    "block_minhash_narrow": ("block_minhash", (0,), None),
}
for _narrow, (_wide, _positions, _cases) in NARROW_TWINS.items():
    CASES[_narrow] = _narrowed(CASES[_wide][:_cases], *_positions)


@pytest.mark.parametrize("narrow", sorted(NARROW_TWINS))
def test_a_narrow_kernel_gives_its_wide_twin_s_results(narrow):
    """The same codes as ``uint16`` and as ``int32``: the same results, bit for bit."""
    wide, positions, cases = NARROW_TWINS[narrow]
    for case in CASES[wide][:cases]:
        wide_arguments, narrow_arguments = case(), case()
        narrow_arguments = [
            a.astype(np.uint16) if i in positions else a for i, a in enumerate(narrow_arguments)
        ]
        expected = _jit(wide)(*wide_arguments)
        got = _jit(narrow)(*narrow_arguments)
        as_tuple = lambda value: value if isinstance(value, tuple) else (value,)  # noqa: E731
        for e, g in zip(as_tuple(expected), as_tuple(got), strict=True):
            np.testing.assert_array_equal(g, e)
        # outputs written into arguments (coarse_codes' ``out``)
        for i, (e, g) in enumerate(zip(wide_arguments, narrow_arguments, strict=True)):
            if i not in positions:
                np.testing.assert_array_equal(g, e)
    gathered_wide = np.zeros(300, dtype=np.int32)
    gathered = np.zeros(300, dtype=np.uint16)
    for case in _narrow_gather_cases():
        codes, order, remap, _ = case()
        _jit("gather_narrow")(codes, order, remap, gathered_wide)
        _jit("gather_narrow_to_narrow")(codes, order, remap, gathered)
        np.testing.assert_array_equal(gathered, gathered_wide)


def test_every_export_has_comparison_cases():
    assert set(CASES) == set(TABLE)


@compiled_only
@pytest.mark.parametrize("name", list(TABLE))
def test_the_compiled_kernel_matches_the_jit_bit_for_bit(name):
    for case in CASES[name]:
        compiled_args = case()
        jit_args = _copied(compiled_args)
        got = backend.kernel(name)(*compiled_args)
        want = _jit(name)(*jit_args)
        if isinstance(want, tuple):
            assert len(got) == len(want)
            for mine, theirs in zip(got, want, strict=True):
                np.testing.assert_array_equal(mine, theirs, err_msg=name)
        else:
            np.testing.assert_array_equal(got, want, err_msg=name)
        # and every array it wrote into
        for mine, theirs in zip(compiled_args, jit_args, strict=True):
            if isinstance(mine, np.ndarray):
                np.testing.assert_array_equal(mine, theirs, err_msg=name)


@compiled_only
@pytest.mark.parametrize(("levels", "status"), [(10, STATUS_DONE), (40, STATUS_OVERFLOW), (40, STATUS_GROW)])
def test_encode_count_cases_reach_every_outcome(levels, status):
    max_levels = {STATUS_DONE: 20, STATUS_OVERFLOW: 20, STATUS_GROW: 100}[status]
    _, got = backend.kernel("encode_count")(*_encode_inputs(levels, max_levels))
    assert got == status


# -- the call check ---------------------------------------------------------------------------
def _wrong_values(arg: exports.Arg, value: typing.Any) -> list[tuple[typing.Any, str]]:
    """Values that must be refused for ``arg``, with a piece of the message each gets."""
    if arg.ndim == 0:
        wrong: list[tuple[typing.Any, str]] = [(True, "got bool"), (np.ones(1), "got ndarray")]
        if arg.dtype != "f8":
            wrong.append((1.5, "got float"))
        if arg.dtype == "u8":
            wrong.append((-1, "got -1"))
        if arg.dtype == "i8":
            wrong.append((2**63, f"got {2**63}"))
        return wrong
    other = np.float64 if value.dtype != np.float64 else np.int64
    wrong = [
        (np.zeros_like(value, dtype=other), f"got a C-contiguous {np.dtype(other)} array"),
        (value.tolist(), "got list"),
    ]
    strided = np.repeat(value, 2, axis=-1)[..., ::2]
    if not strided.flags.c_contiguous:
        wrong.append((strided, "got a strided"))
    flattened = value.ravel() if value.ndim == 2 else value.reshape(1, -1)
    wrong.append(
        (flattened, f"of {arg.ndim} dimension(s), got a C-contiguous {value.dtype} array of {flattened.ndim}")
    )
    return wrong


@compiled_only
@pytest.mark.parametrize("name", list(TABLE))
def test_a_wrong_argument_raises_naming_the_kernel_and_the_argument(name):
    valid = CASES[name][0]()
    kernel = backend.kernel(name)
    for position, arg in enumerate(TABLE[name].args):
        for value, message in _wrong_values(arg, valid[position]):
            args = _copied(valid)
            args[position] = value
            with pytest.raises(
                TypeError, match=f"^kernel {name}, argument {position} \\({arg.name}\\): "
            ) as error:
                kernel(*args)
            assert message in str(error.value), (arg.name, str(error.value))
    n = len(valid)
    with pytest.raises(TypeError, match=f"^kernel {name} takes {n} arguments \\(.*\\), got {n - 1}$"):
        kernel(*valid[:-1])
    with pytest.raises(TypeError, match=f"^kernel {name} takes {n} arguments"):
        kernel(*valid, valid[-1])


@compiled_only
def test_messages_of_the_call_check():
    mutual_information = backend.kernel("mutual_information")
    with pytest.raises(TypeError) as error:
        mutual_information(np.ones((4, 4))[:, ::2])
    assert str(error.value) == (
        "kernel mutual_information, argument 0 (counts): expected a C-contiguous float64 array "
        "of 2 dimension(s), got a strided float64 array of 2"
    )
    with pytest.raises(
        TypeError, match=r"^kernel bucket_of, argument 1 \(n_buckets\): expected an i8 scalar, got float$"
    ):
        backend.kernel("bucket_of")(np.arange(4, dtype=np.uint64), 3.0)
    with pytest.raises(TypeError, match=r"^kernel mutual_information takes 1 arguments \(counts\), got 0$"):
        mutual_information()


@compiled_only
@pytest.mark.parametrize("name", list(TABLE))
def test_the_checked_kernel_shows_the_kernel_signature_and_docstring(name):
    checked, function = backend.kernel(name), _python_function(name)
    assert list(inspect.signature(checked).parameters) == list(inspect.signature(function).parameters)
    assert str(inspect.signature(checked)) == (
        f"({', '.join(f'{a.name}: {a.numba_type!r}' for a in TABLE[name].args)}) -> {TABLE[name].returns!r}"
    )
    assert inspect.getdoc(checked) == inspect.getdoc(function)


@compiled_only
def test_scalars_may_be_numpy_integers_and_arguments_may_be_named():
    keys = np.arange(4, dtype=np.uint64)
    bucket_of = backend.kernel("bucket_of")
    want = _jit("bucket_of")(keys, 3)
    np.testing.assert_array_equal(bucket_of(keys, np.int64(3)), want)
    np.testing.assert_array_equal(bucket_of(keys, n_buckets=3), want)
    np.testing.assert_array_equal(bucket_of(n_buckets=np.uint32(3), keys=keys), want)
    with pytest.raises(TypeError, match=r"^kernel bucket_of is missing argument n_buckets$"):
        bucket_of(keys=keys)
    with pytest.raises(TypeError, match=r"^kernel bucket_of got unexpected argument"):
        bucket_of(keys, n_buckets=3, buckets=3)
    with pytest.raises(TypeError, match=r"^kernel bucket_of got unexpected argument"):
        bucket_of(keys, 3, keys=keys)


# -- which backend runs -----------------------------------------------------------------------
def _run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}, timeout=300
    )


@compiled_only
def test_the_compiled_backend_does_not_import_numba():
    done = _run_python(
        "import sys, numpy as np\n"
        "import outrank_cli.kernels.encoding as e\n"
        "e.encode_count\n"
        "from outrank_cli.kernels import hashing, information, joint, permutation, backend, exports\n"
        "hashing.mix64_array(np.arange(3, dtype=np.uint64), 1)\n"
        "e.insert_levels(np.zeros(1, np.uint64), 0, np.zeros(2, np.uint64), np.full(2, -1, np.int32))\n"
        "joint.pair_mi(np.zeros(1), np.zeros(1), np.ones(1), levels_a=1, levels_b=1)\n"
        "permutation.permutation_mi(np.array([1, 1]), np.array([2]), n_permutations=2, seed=0)\n"
        "assert 'mix64_array' in exports.export_table()\n"
        "print(information.mutual_information(np.array([[5, 0], [0, 5]])), backend.backend_name(),\n"
        "      'numba' in sys.modules)"
    )
    assert done.returncode == 0, done.stderr
    value, name, numba_loaded = done.stdout.split()
    assert float(value) == pytest.approx(np.log(2), abs=1e-15)
    assert (name, numba_loaded) == ("compiled", "False")


@compiled_only
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


@compiled_only
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


def test_an_unknown_backend_name_is_a_usage_error(tmp_path: Path) -> None:
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


@compiled_only
def test_the_quick_check_sends_lookalikes_to_the_full_check():
    """Values the quick test does not know (numpy scalars, a bool, an integer past the
    range, a Fortran-ordered or read-only view) get the full check's answer."""
    bucket_of = backend.kernel("bucket_of")
    keys = np.arange(6, dtype=np.uint64)
    want = _jit("bucket_of")(keys, 3)
    np.testing.assert_array_equal(bucket_of(keys, np.int32(3)), want)
    with pytest.raises(TypeError, match=r"expected an i8 scalar, got bool$"):
        bucket_of(keys, True)
    with pytest.raises(TypeError, match=r"expected an i8 scalar in \[.*\], got 9223372036854775808$"):
        bucket_of(keys, 2**63)
    with pytest.raises(TypeError, match=r"got a strided uint64 array of 1$"):
        bucket_of(np.arange(12, dtype=np.uint64)[::2], 3)
    mutual_information = backend.kernel("mutual_information")
    fortran = np.asfortranarray(np.arange(6, dtype=np.float64).reshape(3, 2))
    with pytest.raises(TypeError, match=r"got a strided float64 array of 2$"):
        mutual_information(fortran)
    assert mutual_information(np.ascontiguousarray(fortran)) == _jit("mutual_information")(fortran.copy())


@compiled_only
def test_the_quick_check_takes_numpy_scalars_of_the_kernel_s_own_type(monkeypatch):
    """An np.uint64 hash word for a u8 argument (and np.int64 for i8) passes the quick test:
    the full check is not run for them (a wide table makes 100,000 such calls)."""
    keys = np.arange(6, dtype=np.uint64)
    want_buckets = _jit("bucket_of")(keys, 3)
    want_total = np.zeros(6, dtype=np.uint64)
    _jit("mix64_accumulate")(
        want_total, keys, np.zeros(0, dtype=np.bool_), np.uint64(7), np.uint64(2**63 + 5)
    )

    def no_full_check(self, value):
        raise AssertionError(f"full check of {self.name}")

    monkeypatch.setattr(exports.Arg, "problem", no_full_check)
    np.testing.assert_array_equal(backend.kernel("bucket_of")(keys, np.int64(3)), want_buckets)
    total = np.zeros(6, dtype=np.uint64)
    backend.kernel("mix64_accumulate")(
        total, keys, np.zeros(0, dtype=np.bool_), np.uint64(7), np.uint64(2**63 + 5)
    )
    np.testing.assert_array_equal(total, want_total)
    with pytest.raises(AssertionError, match="full check of"):  # other numpy types still go there
        backend.kernel("bucket_of")(keys, np.uint64(3))
