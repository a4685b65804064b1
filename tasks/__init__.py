"""Pure stage functions (ingest, clean, extract, validate, publish) and their thin Prefect task wrappers."""
