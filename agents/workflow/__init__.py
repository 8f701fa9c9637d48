"""The interview workflow's state machine (API.md §4), as pure functions.

``transition(state, action)`` gives the next ``workflowState`` and the events to publish, or
raises ``IllegalTransition`` naming the current state and the actions allowed in it.
"""
