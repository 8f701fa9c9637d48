"""The interview command agent: the only writer of interview state.

What the web layer uses of the live session is exported here: the question waiting for an
answer, and the transcript of a session.
"""

from hirestream.agents.interviews.session import current, transcript

__all__ = ["current", "transcript"]
