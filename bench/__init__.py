"""Benchmark helpers: a synthetic article corpus and the scripts that time the pipeline on it."""
