"""Data shipped with the enrichment agent: ``taxonomy.json`` (a package so it is installed too)."""
