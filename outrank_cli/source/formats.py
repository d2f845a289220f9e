"""File formats, suffixes, remote prefixes and CSV null spellings (no polars needed)."""

from __future__ import annotations

from enum import StrEnum

# CSV spellings of a missing value (besides the empty field), as pandas and R write them
DEFAULT_NULL_VALUES = ("NA", "N/A", "NaN", "nan", "null", "NULL", "None", "#N/A")


class Format(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


CSV_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")
COMPRESSION_SUFFIXES = (".gz", ".zst", ".zstd")
PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")
REMOTE_PREFIXES = (
    "s3://",
    "s3a://",
    "gs://",
    "gcs://",
    "az://",
    "abfs://",
    "abfss://",
    "hdfs://",
    "http://",
    "https://",
    "file://",
)


def strip_compression(name: str) -> str:
    lowered = name.lower()
    for suffix in COMPRESSION_SUFFIXES:
        if lowered.endswith(suffix):
            return lowered[: -len(suffix)]
    return lowered


def format_of(path: str) -> Format | None:
    name = strip_compression(path.rsplit("/", 1)[-1])
    if name.endswith(PARQUET_SUFFIXES):
        return Format.PARQUET
    if name.endswith(CSV_SUFFIXES):
        return Format.CSV
    return None


def is_remote(path: str) -> bool:
    return path.lower().startswith(REMOTE_PREFIXES)
