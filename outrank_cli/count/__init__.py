"""The counting pass: per-column counters (``counter``), the row sample (``sample``), the state
of a pass and its merge (``state``), its result (``result``), and the engines behind one small
interface (``engine``: ``local`` threads or a ``dask`` cluster, both given a ``job``)."""
