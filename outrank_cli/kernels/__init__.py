"""Numba kernels: numpy arrays in, arrays or scalars out (DESIGN invariant 6).

Each module has private jitted kernels (``_name``) behind small public wrappers that check
dtypes and shapes. Nothing here imports polars, rich or typer.
"""
