"""Vendor the scripts, styles and fonts GX Data Docs load from CDNs into conflict_events/quality/docs_assets/.

Great Expectations 1.24.1 renders every Data Docs page with <script>/<link> tags pointing at public
CDNs. This script takes the same files from their npm packages at exact versions (`npm pack`), so
conflict_events/quality/offline_docs.py can copy them into the site and point the pages at them:
the site then opens from disk with no network request. It writes ASSETS.json (package, version, path
in the package, sha256, licence and the CDN URLs each file stands for) and README.md beside them.

Run it again after changing a version below: `python -m scripts.vendor_docs_assets` (needs `npm`).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ASSETS_DIR = Path(__file__).resolve().parent.parent / "conflict_events" / "quality" / "docs_assets"
MANIFEST = "ASSETS.json"
LICENCE_FILES = ("LICENSE", "LICENSE.txt", "LICENSE.md")


@dataclass(frozen=True)
class Package:
    """An npm package at an exact version: which of its files to vendor, and the CDN URLs each one replaces."""

    name: str
    version: str
    folder: str  # docs_assets/<folder>/<version>/<path in the package>
    files: dict[str, tuple[str, ...]]  # path (or glob) in the package -> CDN URLs GX loads it from


# The versions GX 1.24.1's templates name; vega, vega-lite and vega-embed, which GX loads by major
# version only (vega@5, vega-lite@5, vega-embed@6), at the newest release of that major here.
PACKAGES = (
    Package("jquery", "3.7.1", "jquery", {"dist/jquery.min.js": ("https://code.jquery.com/jquery-3.7.1.min.js",)}),
    Package("popper.js", "1.12.9", "popper.js", {
        "dist/umd/popper.min.js": ("https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",),
    }),
    Package("bootstrap", "4.3.1", "bootstrap", {
        "dist/js/bootstrap.min.js": ("https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",),
        "dist/css/bootstrap.min.css": ("https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",),
    }),
    Package("bootstrap-table", "1.19.1", "bootstrap-table", {
        "dist/bootstrap-table.min.js": ("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",),
        "dist/bootstrap-table.min.css": ("https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",),
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
            "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        ),
        # GX asks for the 1.19.0 extension styles; 1.19.1's differ from them only in the version banner.
        "dist/extensions/filter-control/bootstrap-table-filter-control.css": (
            "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
        ),
        "dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
            "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
        ),
    }),
    Package("bootstrap-datepicker", "1.9.0", "bootstrap-datepicker", {
        "dist/js/bootstrap-datepicker.min.js": ("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",),
        "dist/css/bootstrap-datepicker.min.css": ("https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",),
    }),
    Package("@forevolve/bootstrap-dark", "1.1.0", "bootstrap-dark", {
        # The minified build of the same stylesheet: 150 kB instead of 880 kB.
        "dist/css/bootstrap-prefers-dark.min.css": ("https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",),
    }),
    Package("@fortawesome/fontawesome-free", "6.6.0", "fontawesome-free", {
        "css/all.min.css": ("https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",),
        # all.min.css offers woff2 first, then ttf: Chromium, Firefox and Safari take the woff2 and never ask for the ttf.
        "webfonts/*.woff2": (),
    }),
    # The files jsDelivr serves for a bare package name (package.json's "jsdelivr" field).
    Package("vega", "5.33.1", "vega", {"build/vega.min.js": ("https://cdn.jsdelivr.net/npm/vega@5",)}),
    Package("vega-lite", "5.23.0", "vega-lite", {"build/vega-lite.min.js": ("https://cdn.jsdelivr.net/npm/vega-lite@5",)}),
    Package("vega-embed", "6.29.0", "vega-embed", {"build/vega-embed.min.js": ("https://cdn.jsdelivr.net/npm/vega-embed@6",)}),
)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(package: Package, into: Path) -> tuple[Path, dict]:
    """The package's tarball from the registry (exactly this version) and npm's description of it."""
    done = subprocess.run(
        ["npm", "pack", f"{package.name}@{package.version}", "--json", "--ignore-scripts", "--pack-destination", str(into)],
        cwd=into, check=True, capture_output=True, text=True,
    )
    described = json.loads(done.stdout)[0]
    return into / described["filename"], described


def vendor(package: Package, tarball: Path, out: Path) -> list[dict]:
    """Write the package's wanted files (and its licence file) under out/; their manifest entries."""
    with tarfile.open(tarball) as tar:
        members = {m.name.removeprefix("package/"): m for m in tar.getmembers() if m.isfile()}
        meta = json.loads(tar.extractfile(members["package.json"]).read())
        if meta["version"] != package.version:
            raise RuntimeError(f"npm gave {package.name} {meta['version']}, not {package.version}")
        wanted: dict[str, tuple[str, ...]] = {}
        for pattern, urls in package.files.items():
            found = sorted(fnmatch.filter(members, pattern))
            if not found:
                raise RuntimeError(f"{package.name}@{package.version} has no {pattern}")
            wanted |= {path: urls for path in found}
        wanted |= {name: () for name in LICENCE_FILES if name in members}
        entries = []
        for path, urls in sorted(wanted.items()):
            data = tar.extractfile(members[path]).read()
            target = f"{package.folder}/{package.version}/{path}"
            (out / target).parent.mkdir(parents=True, exist_ok=True)
            (out / target).write_bytes(data)
            entries.append({
                "path": target, "package": package.name, "version": package.version, "package_path": path,
                "sha256": sha256(data), "bytes": len(data), "license": meta.get("license"), "replaces": list(urls),
            })
    return entries


def readme(packages: list[dict], total: int) -> str:
    rows = "\n".join(f"| {p['package']} | {p['version']} | {p['license']} | {', '.join(p['files'])} |" for p in packages)
    return f"""# Data Docs assets

The scripts, styles and fonts that Great Expectations' Data Docs load from public CDNs, taken from
their npm packages at exact versions by `python -m scripts.vendor_docs_assets` (which runs `npm pack`).
`conflict_events/quality/offline_docs.py` copies them into each Data Docs site (`static/vendor/`) and
points the pages at them, so the site opens from disk without a network request.

`ASSETS.json` lists every file: its npm package and version, its path in the package, its sha256,
the package's licence and the CDN URLs it stands for. The files are byte for byte those of the packages
(a package's LICENSE file is kept beside its files when it has one). {total / 1e6:.2f} MB in all.

| package | version | licence | files |
|---|---|---|---|
{rows}

To refresh (another version, or a file GX starts to load): edit `PACKAGES` in
`scripts/vendor_docs_assets.py`, then run `python -m scripts.vendor_docs_assets`; it rewrites this
folder. Don't edit these files by hand: the site copies are checked against `ASSETS.json`.
"""


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="vendor-docs-assets-") as tmp:
        staged = Path(tmp) / "docs_assets"
        staged.mkdir()
        files: list[dict] = []
        packages: list[dict] = []
        for package in PACKAGES:
            tarball, described = npm_pack(package, Path(tmp))
            entries = vendor(package, tarball, staged)
            files += entries
            packages.append({
                "package": package.name, "version": package.version, "license": entries[0]["license"],
                "integrity": described.get("integrity"), "files": [e["package_path"] for e in entries],
            })
            print(f"{package.name}@{package.version}: {len(entries)} files, {sum(e['bytes'] for e in entries):,} bytes")
        total = sum(e["bytes"] for e in files)
        manifest = {"generated_by": "python -m scripts.vendor_docs_assets", "packages": packages, "files": files}
        (staged / MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
        (staged / "README.md").write_text(readme(packages, total))
        # Swapped in whole: a file of a version no longer vendored must not linger.
        shutil.rmtree(ASSETS_DIR, ignore_errors=True)
        shutil.copytree(staged, ASSETS_DIR)
    print(f"wrote {len(files)} files, {total:,} bytes, to {ASSETS_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
