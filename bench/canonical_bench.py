"""Accuracy and speed of canonicalisation on the labelled sets in tests/data/.

    python bench/canonical_bench.py [--runs N] [--misses]

Prints the share of raw skill strings mapped to their expected canonical skill (synchronous
look-ups alone, then with the background agent's fuzzy fallback), the share of job titles given
their expected role family and canonical spelling, and the mean time to canonicalise a body of 50
skills. Goals: skills >= 97 %, role families >= 90 %, 50 skills in under 1 ms. A benchmark, not a
test: it always exits 0.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hirestream.agents.enrich.canonical import canonical_skill, canonicalise  # noqa: E402
from hirestream.agents.enrich.fuzzy import match_skill  # noqa: E402
from hirestream.agents.enrich.skills import resolve  # noqa: E402
from hirestream.agents.enrich.taxonomy import load_taxonomy  # noqa: E402

DATA = ROOT / "tests" / "data"
RESUME = """Jane Smith
Senior Software Engineer, Berlin

Summary
Engineer with eight years of product work, most of it on web front ends.

Experience
Acme Corp, Senior Engineer (2019-2024)
- Built the customer dashboard in React and TypeScript; page load went from 4 s to 1.2 s.
- Moved 30 services from Heroku to AWS with Terraform and GitHub Actions.
- Mentored four engineers and ran the frontend guild.
Globex, Software Engineer (2015-2019)
- Wrote Node.js and PostgreSQL services behind a GraphQL gateway.

Projects
- An open-source Vue.js component library (2k stars).

Skills
React, TypeScript, Node.js, Vue.js, GraphQL, PostgreSQL, AWS, Docker, Kubernetes

Education
B.Sc. Computer Science, TU Berlin
"""


def _load(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA / name).read_text("utf-8"))
    return rows


def _expected(row: dict[str, Any]) -> list[str]:
    wanted = row["expected"]
    return [] if wanted is None else [wanted] if isinstance(wanted, str) else list(wanted)


def skill_accuracy(show_misses: bool) -> None:
    """What canonicalise() makes of each raw entry: one skill, several (``HTML/CSS``) or none."""
    rows = _load("labelled_skills.json")
    exact_ok = fuzzy_ok = 0
    by_kind: Counter[str] = Counter()
    kind_ok: Counter[str] = Counter()
    misses: list[str] = []
    for row in rows:
        wanted = _expected(row)
        got = [skill.name for skill in resolve(row["raw"])]
        fuzzy = got
        if not got and (match := match_skill(row["raw"])) is not None:
            fuzzy = [match.canonical]
        by_kind[row["kind"]] += 1
        if got == wanted:
            exact_ok += 1
            kind_ok[row["kind"]] += 1
        else:
            misses.append(f"    {row['raw']!r}: expected {wanted}, got {got}")
        fuzzy_ok += fuzzy == wanted
        if fuzzy != wanted and fuzzy != got:
            misses.append(f"    {row['raw']!r}: expected {wanted}, fuzzy fallback gave {fuzzy}")
    n = len(rows)
    print(f"skills: {n} labelled raw strings")
    print(f"  synchronous look-ups        {exact_ok / n:7.1%}  ({exact_ok}/{n})   goal >= 97%")
    print(f"  with fuzzy fallback         {fuzzy_ok / n:7.1%}  ({fuzzy_ok}/{n})")
    kinds = ", ".join(f"{kind} {kind_ok[kind]}/{count}" for kind, count in sorted(by_kind.items()))
    print(f"  by kind (synchronous): {kinds}")
    if show_misses and misses:
        print("  misses:\n" + "\n".join(misses))


def title_accuracy(show_misses: bool) -> None:
    rows = _load("labelled_titles.json")
    family_ok = title_ok = 0
    misses: list[str] = []
    for row in rows:
        result = canonicalise({"position": row["raw"], "skills": row.get("skills", [])})
        family = result.canonical_payload["roleFamily"]
        family_ok += family == row["roleFamily"]
        title_ok += result.position == row["canonical"]
        if family != row["roleFamily"] or result.position != row["canonical"]:
            misses.append(
                f"    {row['raw']!r}: expected {row['canonical']!r}/{row['roleFamily']}, "
                f"got {result.position!r}/{family}"
            )
    n = len(rows)
    print(f"titles: {n} labelled job titles")
    print(f"  role family                 {family_ok / n:7.1%}  ({family_ok}/{n})   goal >= 90%")
    print(f"  canonical title spelling    {title_ok / n:7.1%}  ({title_ok}/{n})")
    if show_misses and misses:
        print("  misses:\n" + "\n".join(misses))


def _mean_ms(body: dict[str, Any], runs: int) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        canonicalise(body)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.mean(samples), statistics.median(samples)


def timing(runs: int) -> None:
    raw = [row["raw"] for row in _load("labelled_skills.json")]
    fifty = [raw[(n * 7) % len(raw)] for n in range(50)]
    print(f"timing (mean of {runs} runs after warm-up)")
    for _ in range(20):
        canonicalise({"position": "Sr Engineer", "skills": fifty})
    start = time.perf_counter()
    for _ in range(runs):
        for term in fifty:
            canonical_skill(term)
    per_list = (time.perf_counter() - start) * 1000 / runs
    print(f"  50 skills, look-ups only             {per_list:6.3f} ms   goal < 1 ms")
    mean, median = _mean_ms({"position": "Sr Engineer", "skills": fifty}, runs)
    print(f"  canonicalise(), title + 50 skills    {mean:6.3f} ms   (median {median:.3f})")
    body = {
        "position": "Sr Engineer",
        "skills": fifty,
        "jobDescription": "Build scalable platform services with React, Node.js and AWS. " * 20,
        "candidateResume": RESUME,
    }
    mean, median = _mean_ms(body, runs)
    sizes = f"{len(body['jobDescription'])}+{len(RESUME)} chars"
    print(f"  ... plus JD and résumé ({sizes})  {mean:6.3f} ms   (median {median:.3f})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--misses", action="store_true", help="list every miss")
    args = parser.parse_args()
    start = time.perf_counter()
    version = load_taxonomy().version
    loaded = (time.perf_counter() - start) * 1000
    print(f"taxonomy {version} (loaded and indexed in {loaded:.0f} ms, once per process)")
    skill_accuracy(args.misses)
    title_accuracy(args.misses)
    timing(args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
