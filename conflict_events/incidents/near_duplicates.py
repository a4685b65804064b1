"""Near-duplicate texts: wire copies and syndicated versions of one story (issue 15, part 3).

Clean drops *exact* duplicates (same normalised text). An agency story that a second outlet runs
with its own headline, a dateline added ("MOGADISHU, Nov 25 (AFP) -"), a paragraph cut or a
different sign-off is a different text but the same report. These are found with MinHash over word
5-shingles and a MinHash LSH index, then confirmed with the estimated similarity.

A run indexes the articles published in the last days (copies of a story appear within days) and
links each new article that copies one of them, or an earlier article of the run (`link_copies`):

    index = NearDuplicateIndex((a["article_id"], signature(a["text"]), a["ingested_at"]) for a in recent)
    links = link_copies(new_articles, index, run_id)   # duplicate_links rows

A signature is plain bytes, the same on every machine, so it could be stored and compared later.
"""

from __future__ import annotations

import re
import struct
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from functools import lru_cache
from typing import Any

from datasketch import LeanMinHash, MinHash, MinHashLSH

NUM_PERM = 128
SEED = 20240315  # fixed: signatures of every run and version must be comparable
SCHEME = "affine32"  # datasketch >= 2.0's collision-free permutations, 4 bytes per value
SHINGLE = 5  # words per shingle: long enough that two outlets' own wording shares few, short enough that an edit spoils few
# Signature layout: magic + version (4 bytes), number of distinct shingles (uint32), then the LeanMinHash bytes.
_MAGIC = b"ND1\x00"
_HEADER = struct.Struct("<4sI")
_BYTEORDER = "<"  # little-endian whatever the machine: signatures are stored and read on other machines

# LSH finds candidates; the estimate confirms them. Candidates are looked for at a lower Jaccard than the
# confirmation needs, because a copy with a paragraph cut has a low Jaccard but is almost wholly contained
# in the original (a 170-word story with a 60-word paragraph cut: Jaccard about 0.6, containment about 1.0).
LSH_THRESHOLD = 0.4
# Weighted towards recall: a candidate the LSH misses is lost, a spurious one costs one estimate.
LSH_WEIGHTS = (0.3, 0.7)
# Confirmed as a copy: estimated Jaccard at least 0.7 (a changed headline, dateline and sign-off on a
# 150-word story leave about 0.8; two outlets writing their own story about one incident share well under 0.2
# of their 5-word shingles even when they quote the same statement) ...
JACCARD_THRESHOLD = 0.7
# ... or two thirds of the shorter text's shingles are in the longer one (a cut copy, or a copy with a
# paragraph cut and a local paragraph added: true Jaccard about 0.5, containment about 0.7) with the
# Jaccard at least 0.45, so a one-paragraph brief is not the "copy" of every long story quoting it.
# Containment is estimated from the Jaccard estimate, whose standard error at 128 permutations is about
# 0.045 near 0.5; two outlets' own stories of one incident stay far below (Jaccard < 0.2, containment < 0.3),
# and no two independently written texts share two thirds of their 5-word sequences.
CONTAINMENT_THRESHOLD = 0.65
MIN_JACCARD_FOR_CONTAINMENT = 0.45

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def words(text: str) -> list[str]:
    """The text's words, case-folded, accents and punctuation gone: "Al-Shabaab's" and "al shabaab s" agree."""
    folded = unicodedata.normalize("NFKD", text or "").casefold()
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return _WORD_RE.findall(folded)


def shingles(text: str, size: int = SHINGLE) -> set[str]:
    """Word `size`-shingles of the normalised text; a text shorter than `size` words is one shingle."""
    tokens = words(text)
    if len(tokens) < size:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


@lru_cache(maxsize=1)
def _permutations():
    """The permutation parameters, made once (numpy's RandomState is the slow part of a new MinHash)."""
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def _minhash(items: set[str]) -> MinHash:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME, permutations=_permutations())
    if items:
        minhash.update_batch([s.encode("utf-8") for s in items])
    return minhash


def signature(text: str) -> bytes:
    """The text's near-duplicate signature: about 530 bytes, the same on every machine and run."""
    items = shingles(text)
    lean = LeanMinHash(_minhash(items))
    buf = bytearray(_HEADER.size + lean.bytesize(_BYTEORDER))
    _HEADER.pack_into(buf, 0, _MAGIC, len(items))
    lean.serialize(memoryview(buf)[_HEADER.size :], _BYTEORDER)
    return bytes(buf)


class Signature:
    """A parsed signature: the MinHash and the number of shingles it was made from."""

    __slots__ = ("minhash", "size")

    def __init__(self, data: bytes) -> None:
        if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) < _HEADER.size:
            raise ValueError("not a near-duplicate signature")
        magic, self.size = _HEADER.unpack_from(data, 0)
        if magic != _MAGIC:
            raise ValueError("not a near-duplicate signature (or one of another format version)")
        self.minhash = LeanMinHash.deserialize(bytes(data[_HEADER.size :]), _BYTEORDER)
        if len(self.minhash) != NUM_PERM or self.minhash.seed != SEED:
            raise ValueError("signature made with other MinHash parameters")


def similarity(a: Signature, b: Signature) -> tuple[float, float]:
    """(estimated Jaccard, estimated containment of the smaller shingle set in the larger)."""
    if a.size == 0 or b.size == 0:
        return 0.0, 0.0  # an empty text is nobody's copy
    jaccard = a.minhash.jaccard(b.minhash)
    # |A and B| = J (|A| + |B|) / (1 + J)
    overlap = jaccard * (a.size + b.size) / (1.0 + jaccard)
    return jaccard, min(1.0, overlap / min(a.size, b.size))


def is_copy(a: Signature, b: Signature) -> bool:
    """True when the two texts are versions of one story (see the thresholds above)."""
    jaccard, containment = similarity(a, b)
    return jaccard >= JACCARD_THRESHOLD or (containment >= CONTAINMENT_THRESHOLD and jaccard >= MIN_JACCARD_FOR_CONTAINMENT)


def _utc(moment: datetime | date | str | None) -> datetime:
    """Timestamps compare in UTC; a date is its midnight; an ISO string is parsed; unknown is the end of time
    (it is never the original)."""
    if moment is None:
        return datetime.max.replace(tzinfo=timezone.utc)
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    if not isinstance(moment, datetime):
        return datetime(moment.year, moment.month, moment.day, tzinfo=timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


class NearDuplicateIndex:
    """Signatures of articles already seen, answering "which earlier article is this a copy of?".

    Build it from (article_id, signature, first_seen) of stored articles; `add` the new ones as a run
    goes, in the order it meets them. An article id added twice keeps its first signature and time.
    """

    def __init__(self, entries: Iterable[tuple[str, bytes, datetime | date | str | None]] = ()) -> None:
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM, weights=LSH_WEIGHTS)
        self._signatures: dict[str, Signature] = {}
        self._first_seen: dict[str, datetime] = {}
        with self._lsh.insertion_session() as session:
            for article_id, data, first_seen in entries:
                self._insert(article_id, data, first_seen, session)

    def _insert(self, article_id: str, data: bytes, first_seen, target) -> bool:
        if article_id in self._signatures:
            return False
        parsed = Signature(data)
        self._signatures[article_id] = parsed
        self._first_seen[article_id] = _utc(first_seen)
        target.insert(article_id, parsed.minhash)
        return True

    def add(self, article_id: str, data: bytes, first_seen: datetime | date | str | None) -> bool:
        """Index one article; False when its id is already indexed (nothing changes then)."""
        return self._insert(article_id, data, first_seen, self._lsh)

    def __len__(self) -> int:
        return len(self._signatures)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._signatures

    def signature_of(self, article_id: str) -> Signature:
        """The indexed signature of an article (KeyError when it is not indexed)."""
        return self._signatures[article_id]

    def copies_of(self, article_id: str, data: bytes) -> list[str]:
        """Every other indexed article the text is a copy of, earliest first."""
        parsed = Signature(data)
        if parsed.size == 0:
            return []
        found = [c for c in self._lsh.query(parsed.minhash) if c != article_id and is_copy(parsed, self._signatures[c])]
        return sorted(found, key=lambda c: (self._first_seen[c], c))

    def original_of(self, article_id: str, data: bytes) -> str | None:
        """The earliest indexed article this text is a copy of, or None when it is nobody's copy.

        When `article_id` is itself indexed, only articles seen before it count (ties: the smaller id),
        so the first copy of a story is its own original and every later copy points at it.
        """
        candidates = self.copies_of(article_id, data)
        if article_id in self._first_seen:
            own = (self._first_seen[article_id], article_id)
            candidates = [c for c in candidates if (self._first_seen[c], c) < own]
        return candidates[0] if candidates else None


def find_originals(items: Iterable[tuple[str, str, datetime | date | str | None]], index: NearDuplicateIndex | None = None) -> dict[str, str]:
    """{copy article_id: original article_id} for (article_id, text, first_seen) items, earliest first.

    The items are indexed as they are met (into `index` when given, so a run can go on with it); a copy
    of a copy points at the first original, so each story has one original.
    """
    index = index if index is not None else NearDuplicateIndex()
    originals: dict[str, str] = {}
    for article_id, text, first_seen in sorted(items, key=lambda item: (_utc(item[2]), item[0])):
        data = signature(text)
        original = index.original_of(article_id, data)
        index.add(article_id, data, first_seen)
        if original is not None:
            originals[article_id] = originals.get(original, original)
    return originals


def link_copies(articles: Iterable[Mapping[str, Any]], index: NearDuplicateIndex, run_id: str = "") -> list[dict[str, Any]]:
    """`duplicate_links` rows for the articles that copy an indexed or earlier one, in the order given.

    Every article is indexed as it is met (first seen: its ingestion time), so the first copy of a story
    in a run is its original and the later ones link to it; a copy of a copy links to the first original.
    """
    links: list[dict[str, Any]] = []
    original_of: dict[str, str] = {}
    for article in articles:
        article_id, data = article["article_id"], signature(article["text"])
        original = index.original_of(article_id, data)
        index.add(article_id, data, article.get("ingested_at"))
        if original is None:
            continue
        jaccard, containment = similarity(Signature(data), index.signature_of(original))
        original_of[article_id] = original_of.get(original, original)
        links.append(
            {
                "article_id": article_id, "original_article_id": original_of[article_id], "jaccard": round(jaccard, 4),
                "containment": round(containment, 4), "source_name": article.get("source_name"), "url": article.get("url"),
                "linked_at": datetime.now(timezone.utc), "run_id": run_id,
            }
        )
    return links
