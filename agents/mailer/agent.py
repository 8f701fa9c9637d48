"""The mailer agent: a thin Faust adapter that sends the invitation of each ``interview.invited``
event and reports back.

For each invitation it opens the candidate's sealed email address with the interview's data
key, builds the link (``<APP_URL>/interview/join/<token>``, the token derived from the
interview id and the link's expiry), sends the message and reports the result twice: as an
``interview.invite_result`` command (the record keeps ``inviteEmailSent``/``inviteEmailError``)
and, when the invitation names one, on the requester's reply topic (the HTTP request that is
waiting to say ``emailSent``).

A retried event never mails twice for one invitation: the ``mailings`` table marks an
invitation as being sent before the message goes out, and an invitation found marked is only
reported again (``interrupted`` when the earlier attempt left no result). The SMTP call takes
at most ``SMTP_TIMEOUT_S``; the agent runs at concurrency 1, so a slow server delays the next
invitations of the same partitions, never loses them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import faust

from hirestream.agents.events import CommandSender, install_event_agent
from hirestream.agents.mailer.compose import invitation
from hirestream.agents.mailer.smtp import SendResult, SmtpConfig, send
from hirestream.candidate_tokens import TokenKeys, issue
from hirestream.privacy import unseal_fields
from hirestream.replies import CORRELATION_ID
from hirestream.store.agent_store import AgentStore
from hirestream.tables.keys import command_key
from hirestream.topics import codec

log = logging.getLogger(__name__)


def join_link(app_url: str, interview_id: str, expires_at: str, keys: TokenKeys) -> str:
    """The candidate's link for an interview and the link's expiry."""
    moment = datetime.fromisoformat(expires_at.replace("Z", "+00:00"))
    return f"{app_url.rstrip('/')}/interview/join/{issue(interview_id, moment, keys)}"


@dataclass
class Mailer:
    table: Any  # ["<tenant>","<invite id>"] -> {"status": sending|sent|failed, "reason"}
    store: AgentStore
    sender: CommandSender
    app: faust.App
    smtp: SmtpConfig
    keys: TokenKeys
    app_url: str

    async def handle(self, event: dict[str, Any]) -> None:
        invite = event.get("invite") or {}
        invite_id = invite.get("inviteId")
        if not invite_id or not invite.get("tokenExpiresAt"):
            log.warning("event=mail.skipped reason=no_invitation event=%s", event.get("eventId"))
            return
        tenant, record = event["tenantId"], event["record"]
        key = command_key(tenant, invite_id)
        done = self.table.get(key)
        if done is not None:  # sent (or tried) already: report again, never mail twice
            result = (
                SendResult(False, "interrupted: the earlier attempt left no result")
                if done["status"] == "sending"
                else SendResult(done["status"] == "sent", done.get("reason"))
            )
        else:
            self.table[key] = {"status": "sending"}
            result = await self._send(tenant, record, invite)
            self.table[key] = {
                "status": "sent" if result.sent else "failed",
                "reason": result.reason,
            }
            log.info(
                "event=mail.sent tenant=%s interview=%s invite=%s sent=%s reason=%s",
                tenant,
                record["id"],
                invite_id,
                result.sent,
                result.reason or "-",
            )
        report = {"inviteId": invite_id, "emailSent": result.sent, "reason": result.reason}
        await self.sender.send(event, "interview.invite_result", report)
        await self._notify(invite.get("notify"), report)

    async def _send(
        self, tenant: str, record: dict[str, Any], invite: dict[str, Any]
    ) -> SendResult:
        data_key = await (await self.store.data_keys()).get(tenant, record["id"])
        opened = unseal_fields(data_key, tenant, record["id"], record.get("sealed") or {})
        address = opened.get("candidateEmail")
        if not address:
            return SendResult(False, "the candidate has no email address")
        expires = invite["tokenExpiresAt"]
        try:
            message = invitation(
                to=address,
                position=record.get("position"),
                link=join_link(self.app_url, record["id"], expires, self.keys),
                expires_at=datetime.fromisoformat(expires.replace("Z", "+00:00")),
                sender=self.smtp.sender,
                message_id=f"invite.{invite['inviteId']}",
            )
        except ValueError as exc:
            return SendResult(False, f"cannot address the message: {exc}")
        return await send(message, self.smtp)

    async def _notify(self, notify: dict[str, Any] | None, report: dict[str, Any]) -> None:
        """Tell the requester that waits for this invitation (the web layer), if any."""
        if not notify:
            return
        await self.app.producer.send(
            notify["replyTo"],
            None,
            codec.dumps(report),
            partition=0,
            timestamp=None,
            headers=[(CORRELATION_ID, notify["correlationId"].encode())],
        )


def install(app: faust.App, source: Any, mailer: Mailer) -> Any:
    """Register the mailer on ``interview.invited``."""
    return install_event_agent(app, source, "interview-mailer", mailer.handle)
