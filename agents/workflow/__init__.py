"""The interview workflow's state machine (docs/api.md §4), as pure functions.

``transition(state, action)`` gives the next ``workflowState`` and the events to publish, or
raises ``IllegalTransition`` naming the current state and the actions allowed in it.
``integration_state`` is a state as the Integration API names it.
"""

from hirestream.agents.workflow.transitions import integration_state

__all__ = ["integration_state"]
