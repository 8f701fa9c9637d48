"""Topic names. Every command and event topic is keyed by the tenant id (UTF-8 bytes) and has
the same partition count as the tables' changelogs, so one tenant's state lives in one
partition (see ARCHITECTURE.md, rule 1)."""

from __future__ import annotations

#: Public commands: the web layer and upstream producers write here (docs/kafka.md).
INTERVIEW_COMMANDS = "interview-commands"
#: The agents' own results (enrichment, validation, plans): only the fleet writes here.
INTERVIEW_COMMANDS_INTERNAL = "interview-commands.internal"
#: Commands that were not applied, as they came, with the reason in the headers.
DEAD_LETTERS = "interview-commands.dead-letter"

INTERVIEW_CREATED = "interview.created"
INTERVIEW_UPDATED = "interview.updated"
INTERVIEW_DELETED = "interview.deleted"
INTERVIEW_CONTENT_EDITED = "interview.content_edited"
INTERVIEW_INFO_COMPLETED = "interview.info_completed"
INTERVIEW_GENERATING_PLAN = "interview.generating_plan"
INTERVIEW_REVISION_REQUESTED = "interview.revision_requested"
INTERVIEW_INVITED = "interview.invited"
INTERVIEW_COMPLETED = "interview.completed"
INTERVIEW_ASSESSMENT_REQUESTED = "interview.assessment_requested"

#: Every lifecycle event topic, roughly in the order they appear in an interview's life.
#: One topic per event type; each event names the interview's version.
EVENT_TOPICS: tuple[str, ...] = (
    INTERVIEW_CREATED,
    INTERVIEW_UPDATED,
    "interview.received",
    "interview.info_needed",
    INTERVIEW_INFO_COMPLETED,
    "interview.validating_skills",
    INTERVIEW_GENERATING_PLAN,
    "interview.plan_generated",
    INTERVIEW_REVISION_REQUESTED,
    "interview.approved",
    "interview.rejected",
    INTERVIEW_CONTENT_EDITED,
    INTERVIEW_INVITED,
    "interview.started",
    INTERVIEW_COMPLETED,
    INTERVIEW_ASSESSMENT_REQUESTED,
    "interview.assessment_pending",
    "interview.assessment_approved",
    "interview.assessment_rejected",
    "interview.cancelled",
    "interview.candidate_data_purged",
    INTERVIEW_DELETED,
)

#: Table names (Faust adds the app id and "-changelog" for the changelog topic).
INTERVIEWS_TABLE = "interviews"
COUNTS_TABLE = "counts"
COMMANDS_TABLE = "commands"
ENRICHMENT_TABLE = "enrichment"
MAILINGS_TABLE = "mailings"
TABLES: tuple[str, ...] = (
    INTERVIEWS_TABLE,
    COUNTS_TABLE,
    COMMANDS_TABLE,
    ENRICHMENT_TABLE,
    MAILINGS_TABLE,
)


def reply_topic(app_id: str, worker_name: str) -> str:
    """A stable reply topic per worker: replies to that worker's HTTP requests land here."""
    safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in worker_name)
    return f"{app_id}-reply-{safe}"
