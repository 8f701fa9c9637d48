"""Taxonomy enrichment: canonical skills, job titles and role families, and the capability graph.

Pure functions over the versioned taxonomy shipped in ``data/taxonomy.json``; the Faust agent
that runs them in the background lives beside them and only moves data.
"""
