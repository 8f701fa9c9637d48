"""The interview workflow's state machine (docs/api.md §4), as pure functions.

``transition(state, action)`` gives the next ``workflowState`` and the events to publish, or
raises ``IllegalTransition`` naming the current state and the actions allowed in it.
"""
