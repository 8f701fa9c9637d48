"""Skills a résumé claims, and those it backs with experience or project text.

The résumé is read line by line under its section headings. Lines under an experience-like
heading (Experience, Employment, Projects, Open source, Research, ...) are evidence; lines under
a skills-like heading (Skills, Technologies, Tech stack, ...) and the rest (header, summary,
education, certifications) are claims only. An inline label such as ``Skills: React, Go`` counts
as its heading for that line - a claim even inside an experience section - while a job's own
stack line there (``Tech stack:``, ``Technologies:``, ``Tools:``, ``Environment:``, ...) is
evidence of that job. A résumé without any recognised heading falls back to the
shape of each line: comma-separated lists are claims, sentences are evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hirestream.agents.enrich.skills import skills_in_text
from hirestream.agents.enrich.taxonomy import Taxonomy, load_taxonomy

EXPERIENCE = "experience"
SKILLS = "skills"
OTHER = "other"


def _names(joined: str) -> frozenset[str]:
    return frozenset(name.strip() for name in joined.split("|") if name.strip())


_HEADINGS: dict[str, frozenset[str]] = {
    EXPERIENCE: _names(
        "experience|work experience|professional experience|relevant experience|"
        "employment|employment history|work history|career history|professional history|"
        "career|professional background|positions held|experience summary|"
        "technical experience|industry experience|projects|project experience|"
        "personal projects|selected projects|side projects|key projects|academic projects|"
        "notable projects|open source|open source contributions|open source projects|"
        "internships|internship|internship experience|research|research experience|"
        "volunteer experience|volunteering|leadership experience|achievements|"
        "accomplishments|key achievements|freelance|freelance experience|"
        "consulting experience|portfolio|work"
    ),
    SKILLS: _names(
        "skills|technical skills|key skills|core skills|skill set|skillset|skills summary|"
        "technologies|technology|tech stack|stack|tools|tools and technologies|"
        "technologies and tools|technical proficiencies|proficiencies|competencies|"
        "core competencies|areas of expertise|expertise|technical expertise|"
        "programming languages|languages|frameworks|software|technical summary|it skills|"
        "computer skills|toolbox|libraries|platforms|databases|additional skills|"
        "other skills|soft skills|skills and tools|skills and technologies|tech|"
        "stack and tools"
    ),
    OTHER: _names(
        "summary|professional summary|profile|professional profile|about|about me|"
        "objective|career objective|education|academic background|education and training|"
        "certifications|certificates|certifications and licenses|licenses|courses|"
        "coursework|relevant coursework|training|awards|honors|honours|awards and honors|"
        "publications|interests|hobbies|references|contact|contact information|"
        "contact details|personal information|personal details|languages spoken|"
        "spoken languages|personal statement|highlights|summary of qualifications|"
        "qualifications"
    ),
}
#: Inline labels that, inside an experience section, name what a job was built with (evidence);
#: any other skills-like label there (``Skills:``, ``Core competencies:``) is still a claim.
_JOB_STACK_LABELS = _names(
    "tech stack|stack|technologies|technology|tools|tools and technologies|"
    "technologies and tools|tech|stack and tools|environment|technical environment|"
    "built with|frameworks|libraries|platforms|databases|languages"
)
_HEADING_TEXT = re.compile(r"[^a-z ]+")
_LIST_SEPARATORS = re.compile(r"[,;|•·]")


@dataclass(frozen=True)
class ResumeSkills:
    claimed: list[str]  # skill ids, in order of first mention
    evidenced: frozenset[str]  # skill ids named in experience or project lines


def _heading_kind(text: str) -> str | None:
    cleaned = _HEADING_TEXT.sub(" ", text.casefold().replace("&", " and "))
    cleaned = " ".join(cleaned.split())
    if not cleaned or len(cleaned.split()) > 5:
        return None
    for kind, names in _HEADINGS.items():
        if cleaned in names:
            return kind
    return None


def _is_list(line: str) -> bool:
    items = [i.strip() for i in _LIST_SEPARATORS.split(line) if i.strip()]
    return len(items) >= 3 and sum(len(i.split()) for i in items) / len(items) <= 3


def _inline_kind(label: str, section: str | None) -> str | None:
    """What a labelled line (``Skills: React, Go``) under ``section`` counts as; None when the
    label names no section."""
    kind = _heading_kind(label)
    if section != EXPERIENCE:
        return kind
    cleaned = " ".join(_HEADING_TEXT.sub(" ", label.casefold().replace("&", " and ")).split())
    if cleaned in _JOB_STACK_LABELS:
        return EXPERIENCE  # the job's own stack: evidence of that job
    if kind == SKILLS:
        return SKILLS  # "Skills:" is a claim wherever it stands
    return None if kind is None else EXPERIENCE


def _classified(text: str) -> list[tuple[str, str]]:
    """(kind, line) for every non-empty line of the résumé."""
    lines = [line.strip().lstrip("#*-–—•·>=_ \t").strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    out: list[tuple[str, str]] = []
    section: str | None = None
    saw_heading = False
    for line in lines:
        kind = _heading_kind(line.rstrip(":"))
        if kind is not None:
            section, saw_heading = kind, True
            continue
        label, colon, rest = line.partition(":")
        labelled = colon and len(label) <= 40 and rest.strip()
        inline = _inline_kind(label, section) if labelled else None
        if inline is not None:
            saw_heading = True
            out.append((inline, rest))
        else:
            out.append((section or OTHER, line))
    if not saw_heading:
        out = [
            (SKILLS if _is_list(line) else EXPERIENCE if len(line.split()) >= 5 else OTHER, line)
            for line in lines
        ]
    return out


def resume_skills(text: str, taxonomy: Taxonomy | None = None) -> ResumeSkills:
    """The skills ``text`` names (claimed) and those named in experience or project lines."""
    tax = taxonomy or load_taxonomy()
    claimed: dict[str, None] = {}
    evidenced: set[str] = set()
    for kind, line in _classified(text):
        lenient = kind == SKILLS or _is_list(line)
        found = skills_in_text(line, tax, lenient=lenient)
        claimed.update(dict.fromkeys(found))
        if kind == EXPERIENCE:
            evidenced.update(found)
    return ResumeSkills(list(claimed), frozenset(evidenced))
