"""Reports for analysts: the run page, the lake report and the console summary."""

from pathlib import Path

# Vendored tables and outlines shared by the report and the exports (see assets/README.md).
ASSETS_DIR = Path(__file__).parent / "assets"
