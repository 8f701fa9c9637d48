"""The interview command agent: the only writer of interview state."""
