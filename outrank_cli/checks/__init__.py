"""Data-quality findings from the same pass: the codes (``findings``), single-column checks
(``columns``), pair checks (``pairs``), drift against a baseline report (``drift``), the
thresholds (``thresholds``) and the gate that runs them all (``gate``)."""
