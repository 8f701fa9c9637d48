"""The wire contract: topic names, command and event records, and their JSON codec.

Data only. A change here is a change of the public contract that upstream producers and
downstream consumers rely on.
"""
