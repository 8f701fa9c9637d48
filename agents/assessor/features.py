"""What the rubric scorer reads in an answer: stems, depth markers, skills named and fluency.

* **Stems**: words folded like the taxonomy's (``enrich.text.fold``) and cut by a light suffix
  stemmer, so ``caching``, ``caches`` and ``cache`` meet; a hyphenated word counts joined and in
  parts (``trade-offs``: ``tradeoff``, ``trade``, ``off``).
* **Depth markers**: reasons, trade-offs, concrete numbers, examples, failure modes, results and
  first-person decisions, each a regular expression over the folded text.
* **Fluency** (0-1), the least of five ramps: the share of function words (0.10-0.25), of
  verb-like words (0.02-0.06), of pronounceable words (0.60-0.85), of distinct content words
  (0.30-0.50, from 12 content words on), and, falling, the share of the most repeated word
  pair (0.08-0.16, from 4 repeats on: "X and the Y and the Z"). Prose passes all five;
  keyword lists, repeated words and keyboard mash fail at least one.
* **Rubric items**: an item's key terms are its content words, less a few generic ones (use,
  work, help, time...) and less the words of the question as asked. A term is met by its stem,
  by all its hyphen parts, or, for a concept word (example, outcome, trade-offs, the
  candidate's own part), by the matching depth marker. Half the key terms met within two
  consecutive sentences cover the item (terms scattered over a long answer do not); fewer
  give partial credit.

English only: an answer in another language reads as not fluent.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from hirestream.agents.enrich.skills import skills_in_text
from hirestream.agents.enrich.taxonomy import Taxonomy
from hirestream.agents.enrich.text import fold


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


FUNCTION = _words(
    "a an the this that these those i me my mine we us our you your he him his she her it its "
    "they them their one ones some any all each every both either neither no not nor none "
    "and or but so yet if then than because since while though although as of in on at to "
    "from by for with without about into onto over under between through during before after "
    "up down out off again once there here when where why how what which who whom whose "
    "is are was were be been being am have has had do does did can could will would shall "
    "should may might must just also very too more most much many such only even still "
    "like well really quite rather other another same own lot lots thing things way"
)
_VERBS = _words(
    "is are was were be been am have has had do does did done can could will would should may "
    "might must use uses make makes made get gets got go goes went take takes took put set run "
    "runs ran build builds built write writes wrote read reads keep keeps kept let see saw know "
    "knew think thought want need needs give gave find found work works call calls try tried "
    "show shows start stop move change add return means mean happen happens help helps handle "
    "choose chose decide design measure pick split cut fix lead led own check test learn"
)
_GENERIC = _words("use uses used using work works help helps time times make made get good new")
_SUBJECTS = _words("i we you they it he she that which who")
_MARKERS = {
    "reasons": r"\b(?:because|since|so that|which means|that means|therefore|due to|in order to)\b",
    "trade-offs": r"\b(?:trade-?offs?|on the other hand|downsides?|drawbacks?|versus|vs\b|"
    r"at the cost|instead of|whereas|pros and cons|in exchange)",
    "concrete numbers": r"\b\d",
    "examples": r"\b(?:for example|for instance|e\.g\.|such as|in one project|at my (?:last|"
    r"previous|current)|last (?:year|quarter|month|week)|in production|we had)\b",
    "failure modes": r"\b(?:fail\w*|outages?|incidents?|broke|broken|crash\w*|bugs?|edge cases?|"
    r"bottlenecks?|regressions?|deadlocks?|leaks?|timeouts?|retr(?:y|ies)|rollbacks?|data loss|"
    r"race conditions?|went wrong)\b",
    "results": r"\b(?:as a result|resulted|outcome|reduced|improved|increased|decreased|dropped|"
    r"went (?:from|down|up)|saved|halved|doubled|faster|impact)\b",
    "own decisions": r"\b(?:i|we)\s+(?:\w+ly\s+)?(?:measured|decided|designed|chose|built|led|"
    r"wrote|profiled|benchmarked|migrated|introduced|implemented|proposed|ran|set up|fixed|"
    r"debugged|reviewed|mentored|owned|refactored|tuned|replaced|moved|reduced|added|split|"
    r"rewrote|tested|traced|found|learn[et]d?|picked|switched|automated|shipped|deployed)\b",
}
_MARKER_RES = {name: re.compile(pattern) for name, pattern in _MARKERS.items()}
_CONCEPT_WORDS = {
    "examples": "example examples instance concrete specific situation story real",
    "own decisions": "candidate candidate's personally own",
    "results": "outcome outcomes result results effect improvement success evidence impact",
    "trade-offs": "trade-off trade-offs tradeoff tradeoffs alternatives weaknesses strengths",
    "concrete numbers": "measured metrics",
    "reasons": "why reasons",
}
_SUFFIXES = (
    ("ations", "ate"), ("ation", "ate"), ("ments", ""), ("ment", ""), ("nesses", ""),
    ("ness", ""), ("ings", ""), ("ing", ""), ("ily", "y"), ("ies", "y"), ("ied", "y"),
    ("sses", "ss"), ("ed", ""), ("ly", ""), ("es", ""), ("s", ""),
)  # fmt: skip
WORD = re.compile(r"[^\W_]+(?:['-][^\W_]+)*[+#]*")
_SENTENCE = re.compile(r"[.!?]+(?:\s|$)|\n")
_MASH = re.compile(r"[bcdfghjklmnpqrstvwxz]{5,}")


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A light suffix stemmer: ``caching``/``caches``/``cache`` all become ``cach``."""
    w = word.removesuffix("'s")
    if len(w) <= 2 or not w.isalpha():
        return w
    for suffix, replacement in _SUFFIXES:
        rest = len(w) - len(suffix)
        if w.endswith(suffix) and rest >= 2 and not (suffix == "ed" and w[rest - 1] == "e"):
            if suffix == "s" and w[rest - 1] in "sui":
                break
            w = w[:rest] + replacement
            break
    if len(w) > 3 and w[-1] == w[-2] and w[-1] not in "lsz":
        w = w[:-1]
    return w[:-1] if len(w) >= 3 and w.endswith("e") else w


def _stems(word: str) -> tuple[str, ...]:
    """A word's stems: a hyphenated word gives its joined form and each part."""
    if "-" not in word:
        return (stem(word),)
    parts = [p for p in re.split(r"['-]", word) if len(p) > 1]
    return (stem(word.replace("-", "")), *(stem(p) for p in parts))


_CONCEPTS = {stem(w): m for m, words in _CONCEPT_WORDS.items() for w in words.split()}


def ramp(x: float, low: float, high: float) -> float:
    return min(max((x - low) / (high - low), 0.0), 1.0)


@dataclass(frozen=True)
class Text:
    """What the scorer reads in one answer."""

    stems: frozenset[str]  # every stem, hyphenated words joined and in parts
    windows: tuple[frozenset[str], ...]  # the stems of each two consecutive sentences
    content: frozenset[str]  # distinct stems of content (non-function) words
    sentences: int
    markers: frozenset[str]
    skills: frozenset[str]  # taxonomy ids named
    fluency: float  # 0-1: low for keyword lists, repetition and gibberish


def read(text: str, tax: Taxonomy) -> Text:
    folded = fold(text)
    chunks = [found for s in _SENTENCE.split(folded) if (found := WORD.findall(s))]
    words = [w for chunk in chunks for w in chunk]
    content = [w for w in words if w not in FUNCTION]
    each = [frozenset(s for w in chunk for s in _stems(w)) for chunk in chunks]
    return Text(
        stems=frozenset().union(*each),
        windows=tuple(a | b for a, b in pairwise(each)) or tuple(each),
        content=frozenset(stem(w) for w in content),
        sentences=sum(len(chunk) >= 3 for chunk in chunks),
        markers=frozenset(n for n, r in _MARKER_RES.items() if r.search(folded)),
        skills=frozenset(skills_in_text(text, tax)) if words else frozenset(),
        fluency=_fluency(words, content),
    )


def _verb_like(before: str | None, word: str) -> bool:
    """A common verb, a past tense, a contraction, or a word after a subject pronoun."""
    return (
        word in _VERBS
        or (len(word) > 4 and word.endswith("ed"))
        or "'" in word
        or before in _SUBJECTS
    )


def _fluency(words: Sequence[str], content: Sequence[str]) -> float:
    """Prose has function words, verbs, varied and pronounceable words; lists and mash don't."""
    if not words:
        return 0.0
    n = len(words)
    function = (n - len(content)) / n
    verbs = sum(map(_verb_like, [None, *words], words)) / n
    spoken = sum(w.isdigit() or not _MASH.search(w) for w in words) / n
    varied = len(set(content)) / len(content) if len(content) >= 12 else 1.0
    top = max(Counter(pairwise(words)).values(), default=0)  # the most repeated pair
    echo = top / (n - 1) if top >= 4 else 0.0
    return min(
        ramp(function, 0.10, 0.25),
        ramp(verbs, 0.02, 0.06),
        ramp(spoken, 0.60, 0.85),
        ramp(varied, 0.30, 0.50),
        1 - ramp(echo, 0.08, 0.16),
    )


def item_credit(item: str, answer: Text, asked: frozenset[str]) -> float:
    """How far ``answer`` covers one rubric item, 0-1: its key terms met within two
    consecutive sentences, half of them for full credit."""
    words = WORD.findall(fold(item))
    terms = [w for w in words if w not in FUNCTION and w not in _GENERIC and len(w) > 1]
    keys = [_stems(t) for t in terms if stem(t.replace("-", "")) not in asked] or [
        _stems(t) for t in terms
    ]
    if not keys:
        return 0.0

    def met(key: tuple[str, ...], stems: frozenset[str]) -> bool:
        joined, *parts = key
        concept = _CONCEPTS.get(joined)
        return (
            joined in stems
            or (bool(parts) and all(p in stems for p in parts))
            or (concept is not None and concept in answer.markers)
        )

    best = max((sum(met(k, window) for k in keys) for window in answer.windows), default=0)
    return min(best / max(1, math.ceil(len(keys) / 2)), 1.0)


class Reader:
    """Reads each distinct text once per assessment."""

    def __init__(self, tax: Taxonomy) -> None:
        self.tax = tax
        self.seen: dict[str, Text] = {}

    def __call__(self, value: str) -> Text:
        if value not in self.seen:
            self.seen[value] = read(value, self.tax)
        return self.seen[value]
