"""The lake: versioned Parquet datasets behind `_CURRENT` pointers, on a local disk or an object store."""
