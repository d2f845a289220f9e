"""Columns to integer codes: keys of every dtype (``keys``), the hash dictionary of levels
shared by features and target (``dictionary``), the target's classes or bins (``target``),
which columns are features and of what family (``columns``), equal-frequency bins
(``binning``, ``cells``) and each feature's final table and kind (``features``)."""
