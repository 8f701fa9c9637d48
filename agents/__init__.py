"""Agents: one folder per agent, each with its decisions in plain functions beside a thin
Faust adapter (``agent.py``) that only moves data."""
