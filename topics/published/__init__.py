"""The JSON Schemas of every command and event, written by ``hirestream.topics.schemas``."""
