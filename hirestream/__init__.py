"""hirestream: a Kafka-native backend for AI-assisted hiring interviews."""

__version__ = "0.1.0"
