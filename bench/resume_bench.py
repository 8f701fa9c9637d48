"""Speed, memory and fidelity of résumé extraction on the real-résumé corpus, against pdftotext.

    HIRESTREAM_CORPUS_DIR=DIR python bench/resume_bench.py [--repeat N] [--json FILE]
    python bench/resume_bench.py --corpus DIR [--repeat N] [--json FILE]

DIR is the folder that holds ``resumes/MANIFEST.tsv`` (see ``tests/resume_fixtures``); the
corpus is not part of the repository, and without it the benchmark stops with an error. For
every document of ``DIR/resumes`` (PDF, DOCX, TXT), in one run:

* ``endpoint``   - ``ResumeParser.parse``: what ``POST /interviews/parse-resume`` does after the
                   upload, i.e. a warm child process (libraries imported), pdfplumber or
                   python-docx, cleaning, JSON back. Each timing waits for the spare child first,
                   as a request on an idle worker would find it.
* ``in-process`` - ``extract(data)`` called directly (the same work without the process hop).
* ``pdftotext``  - poppler's ``pdftotext -enc UTF-8 FILE -`` (Debian ``poppler-utils``), PDFs only.

It prints, per extractor, the median and p95 milliseconds per document and per page (PDF pages;
PDFs only), the peak resident memory of the extracting process (median and max, MiB; the
endpoint's child includes the interpreter and libraries, pdftotext is the whole poppler process),
the ratio endpoint / pdftotext on the PDFs both read, and the mean token F1 against the
reference texts (documents whose reference is marked ok and has at least 20 tokens; running
headers/footers kept once, see ``tests/resume_fixtures.once_per_document``; the raw figure too).
Goal: median <= 150 ms per 2-page PDF through the endpoint. A benchmark, not a test: exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from hirestream.documents.config import Limits  # noqa: E402
from hirestream.documents.errors import ResumeRejected  # noqa: E402
from hirestream.documents.extract import extract  # noqa: E402
from hirestream.documents.pdf_extract import count_pages  # noqa: E402
from hirestream.documents.service import ResumeParser  # noqa: E402
from tests import resume_fixtures as fx  # noqa: E402

GOAL_MS_2_PAGES = 150.0


@dataclass
class Run:
    ms: float
    rss_mib: float | None
    text: str | None  # None when refused / failed
    note: str = ""


@dataclass
class DocResult:
    doc: fx.CorpusDoc
    pages: int | None
    runs: dict[str, Run] = field(default_factory=dict)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return math.nan
    rank = q / 100 * (len(ordered) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def run_pdftotext(path: Path, binary: str, gnu_time: str | None) -> Run:
    """pdftotext's time and peak memory. The peak comes from GNU time's ``%M`` when it is there
    (pdftotext forked from the small ``time`` process); ``wait4`` from this process would add
    the memory of this (large) Python process that ``fork`` copies before ``exec``."""
    command = [binary, "-enc", "UTF-8", str(path), "-"]
    read_end, write_end = os.pipe()
    if gnu_time is not None:
        command = [gnu_time, "-f", "%M", "-o", f"/dev/fd/{write_end}", *command]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            command,
            stdout=out,
            stderr=subprocess.DEVNULL,
            pass_fds=(write_end,) if gnu_time else (),
        )
        os.close(write_end)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        elapsed = (time.perf_counter() - started) * 1000
        with os.fdopen(read_end, "rb") as report:
            measured = report.read().decode(errors="replace").split()
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    if gnu_time is not None and measured and measured[-1].isdigit():
        rss: float | None = int(measured[-1]) / 1024
    else:
        rss = usage.ru_maxrss / 1024
    if proc.returncode != 0:
        return Run(elapsed, rss, None, f"exit {proc.returncode}")
    return Run(elapsed, rss, text)


async def run_endpoint(parser: ResumeParser, data: bytes) -> Run:
    await parser.wait_ready()
    started = time.perf_counter()
    try:
        result = await parser.parse(data)
    except ResumeRejected as error:
        return Run((time.perf_counter() - started) * 1000, None, None, error.code)
    elapsed = (time.perf_counter() - started) * 1000
    rss = result.peak_rss_kib / 1024 if result.peak_rss_kib is not None else None
    return Run(elapsed, rss, result.text)


def run_in_process(data: bytes, limits: Limits) -> Run:
    started = time.perf_counter()
    try:
        text = extract(data, limits).text
    except ResumeRejected as error:
        return Run((time.perf_counter() - started) * 1000, None, None, error.code)
    return Run((time.perf_counter() - started) * 1000, None, text)


def best_of(runs: list[Run]) -> Run:
    """The run with the median time (its memory and text)."""
    ordered = sorted(runs, key=lambda run: run.ms)
    return ordered[len(ordered) // 2]


def scorable(doc: fx.CorpusDoc) -> str | None:
    if not doc.ref_ok:
        return None
    if doc.suffix == ".txt":
        return doc.path.read_bytes().decode("utf-8-sig")
    reference = doc.reference()
    if reference is None or len(fx.tokens(reference)) < 20:
        return None
    return reference


async def bench(
    corpus: list[fx.CorpusDoc], repeat: int, pdftotext: str | None, gnu_time: str | None
) -> list[DocResult]:
    limits = Limits()
    parser = ResumeParser(limits)
    await parser.start()
    results: list[DocResult] = []
    try:
        for doc in corpus:
            data = doc.path.read_bytes()
            pages: int | None = None
            if doc.suffix == ".pdf":
                try:
                    pages = count_pages(data)
                except ResumeRejected:
                    pages = None
            result = DocResult(doc, pages)
            result.runs["endpoint"] = best_of(
                [await run_endpoint(parser, data) for _ in range(repeat)]
            )
            result.runs["in-process"] = best_of(
                [run_in_process(data, limits) for _ in range(repeat)]
            )
            if pdftotext is not None and doc.suffix == ".pdf":
                result.runs["pdftotext"] = best_of(
                    [run_pdftotext(doc.path, pdftotext, gnu_time) for _ in range(repeat)]
                )
            results.append(result)
            print(
                f"  {doc.name:42s} "
                + "  ".join(
                    f"{name} {run.ms:7.1f} ms{' (' + run.note + ')' if run.note else ''}"
                    for name, run in result.runs.items()
                ),
                flush=True,
            )
    finally:
        await parser.close()
    return results


def summarise(results: list[DocResult], name: str) -> dict[str, Any]:
    runs = [(r, r.runs[name]) for r in results if name in r.runs and r.runs[name].text is not None]
    per_doc = [run.ms for _, run in runs]
    pdf_runs = [(r, run) for r, run in runs if r.pages]
    per_page = [run.ms / r.pages for r, run in pdf_runs if r.pages]
    memory = [run.rss_mib for _, run in runs if run.rss_mib is not None]
    two_pages = [run.ms for r, run in pdf_runs if r.pages == 2]
    f1_once: list[float] = []
    f1_raw: list[float] = []
    f1_pdf: list[float] = []
    for r, run in ((r, r.runs.get(name)) for r in results if name in r.runs):
        reference = scorable(r.doc)
        if reference is None or run is None:
            continue
        text = run.text or ""  # a refused scorable document counts as 0
        f1_once.append(fx.token_f1(text, fx.once_per_document(reference)))
        f1_raw.append(fx.token_f1(text, reference))
        if r.doc.suffix == ".pdf":
            f1_pdf.append(f1_once[-1])
    return {
        "documents": len(per_doc),
        "refused": sum(1 for r in results if name in r.runs and r.runs[name].text is None),
        "pdf_documents": len(pdf_runs),
        "median_ms_doc": statistics.median(per_doc) if per_doc else math.nan,
        "p95_ms_doc": percentile(per_doc, 95),
        "median_ms_page": statistics.median(per_page) if per_page else math.nan,
        "p95_ms_page": percentile(per_page, 95),
        "median_ms_2_page_pdf": statistics.median(two_pages) if two_pages else math.nan,
        "two_page_pdfs": len(two_pages),
        "median_rss_mib": statistics.median(memory) if memory else math.nan,
        "max_rss_mib": max(memory) if memory else math.nan,
        "mean_f1": statistics.fmean(f1_once) if f1_once else math.nan,
        "mean_f1_raw": statistics.fmean(f1_raw) if f1_raw else math.nan,
        "mean_f1_pdf": statistics.fmean(f1_pdf) if f1_pdf else math.nan,
        "scored": len(f1_once),
        "scored_pdf": len(f1_pdf),
    }


def _f(value: float, width: int, digits: int) -> str:
    return f"{'-':>{width}s}" if math.isnan(value) else f"{value:{width}.{digits}f}"


def pdf_only(results: list[DocResult], names: tuple[str, str]) -> list[DocResult]:
    """PDFs read by both extractors, for a like-for-like ratio."""
    return [
        r
        for r in results
        if r.pages and all(n in r.runs and r.runs[n].text is not None for n in names)
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per document (median kept)")
    parser.add_argument(
        "--corpus",
        type=Path,
        default=fx.corpus_root(),
        help=f"the folder that holds resumes/{fx.MANIFEST_NAME} (default: ${fx.CORPUS_ENV})",
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    args = parser.parse_args()

    if args.corpus is None:
        parser.error(
            f"no résumé corpus: set {fx.CORPUS_ENV} (or pass --corpus) to the folder that "
            f"holds resumes/{fx.MANIFEST_NAME}; the corpus is not part of the repository"
        )
    try:
        corpus = fx.corpus_documents(args.corpus)
    except FileNotFoundError as error:
        parser.error(f"{error} ({fx.CORPUS_ENV} or --corpus: {args.corpus})")
    pdftotext = shutil.which("pdftotext")
    print(
        f"corpus: {len(corpus)} documents in {fx.corpus_dir(args.corpus)}; {args.repeat} runs each"
    )
    if pdftotext is None:
        print(
            "*** pdftotext NOT FOUND: install Debian poppler-utils (apt-get install "
            "poppler-utils poppler-data) to compare; its rows are left out. ***"
        )
    else:
        version = subprocess.run(
            [pdftotext, "-v"], capture_output=True, text=True, check=False
        ).stderr.splitlines()
        print(f"pdftotext: {version[0] if version else pdftotext}")

    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    if pdftotext is not None and gnu_time is None:
        print("(GNU time not found: pdftotext memory from wait4 includes this process's copy)")
    results = asyncio.run(bench(corpus, args.repeat, pdftotext, gnu_time))

    names = ["endpoint", "in-process"] + (["pdftotext"] if pdftotext else [])
    summary = {name: summarise(results, name) for name in names}
    print()
    header = (
        f"{'extractor':12s} {'docs':>5s} {'med ms/doc':>11s} {'p95 ms/doc':>11s} "
        f"{'med ms/page':>12s} {'p95 ms/page':>12s} {'med MiB':>8s} {'max MiB':>8s} "
        f"{'F1 all':>7s} {'F1 PDF':>7s} {'F1 raw':>7s}"
    )
    print(header)
    print("-" * len(header))
    for name in names:
        s = summary[name]
        print(
            f"{name:12s} {s['documents']:5d} {_f(s['median_ms_doc'], 11, 1)} "
            f"{_f(s['p95_ms_doc'], 11, 1)} {_f(s['median_ms_page'], 12, 1)} "
            f"{_f(s['p95_ms_page'], 12, 1)} {_f(s['median_rss_mib'], 8, 1)} "
            f"{_f(s['max_rss_mib'], 8, 1)} {_f(s['mean_f1'], 7, 3)} {_f(s['mean_f1_pdf'], 7, 3)} "
            f"{_f(s['mean_f1_raw'], 7, 3)}"
        )
    print(
        "docs: documents read (not refused). F1: mean token F1 over the documents with a good"
        " reference of 20+ tokens ("
        + ", ".join(f"{name} {summary[name]['scored']}" for name in names)
        + "), a refused one counting 0; 'all' and 'PDF' against the reference with running"
        " headers/footers kept once, 'raw' against it as is. pdftotext made the PDF references"
        " (-layout), so its F1 is close to self-agreement."
    )

    if pdftotext:
        both = pdf_only(results, ("endpoint", "pdftotext"))
        ratio = {}
        for name in ("endpoint", "in-process"):
            ours = summarise(both, name)
            theirs = summarise(both, "pdftotext")
            ratio[name] = {
                "ms_doc": ours["median_ms_doc"] / theirs["median_ms_doc"],
                "ms_page": ours["median_ms_page"] / theirs["median_ms_page"],
                "rss": ours["median_rss_mib"] / theirs["median_rss_mib"]
                if not math.isnan(ours["median_rss_mib"])
                else math.nan,
            }
        print()
        print(f"ratio to pdftotext on the {len(both)} PDFs both read (median, x times pdftotext):")
        for name, r in ratio.items():
            print(
                f"  {name:12s} ms/doc {_f(r['ms_doc'], 5, 1)}x   ms/page {_f(r['ms_page'], 5, 1)}x"
                f"   peak memory {_f(r['rss'], 4, 1)}x"
            )
        summary["ratio_to_pdftotext"] = ratio

    goal = summary["endpoint"]["median_ms_2_page_pdf"]
    print()
    print(
        f"goal: median <= {GOAL_MS_2_PAGES:.0f} ms per 2-page PDF through the endpoint: "
        f"{goal:.1f} ms over {summary['endpoint']['two_page_pdfs']} two-page PDFs -> "
        + ("reached" if goal <= GOAL_MS_2_PAGES else "NOT reached")
    )
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
