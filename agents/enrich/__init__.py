"""Taxonomy enrichment: canonical skills, job titles and role families, and the capability graph.

Pure functions over the versioned taxonomy shipped in ``data/taxonomy.json``; the Faust agent
that runs them in the background lives beside them and only moves data. What the web layer
uses is exported here: the role families (an override names one), the skills a résumé claims
and evidences, the tenant's unknown terms, the taxonomy's version.
"""

from hirestream.agents.enrich.canonical import claimed_and_evidenced, role_families
from hirestream.agents.enrich.findings import unknown_terms
from hirestream.agents.enrich.taxonomy import load_taxonomy


def taxonomy_version() -> str:
    return load_taxonomy().version


__all__ = ["claimed_and_evidenced", "role_families", "taxonomy_version", "unknown_terms"]
