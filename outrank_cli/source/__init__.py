"""Where rows come from: paths, formats, schema, batches, read-ahead and input errors.

``resolve`` (``paths``) turns files, globs and directories into a ``Source`` (``table``), whose
schema is inferred once (``schema``) and whose partitions stream as column batches; ``batches``
reads them ahead on a thread; ``early`` starts all that before the command has imported numpy;
``problems`` turns polars' errors into one clear line. Nothing here imports numpy.
"""

from outrank_cli.source.formats import Format
from outrank_cli.source.paths import resolve
from outrank_cli.source.problems import WidenColumn
from outrank_cli.source.table import Partition, Source

__all__ = ["Format", "Partition", "Source", "WidenColumn", "resolve"]
