"""Tables and the read side: table declarations, the per-tenant listing index, and the pure
list/search/pagination and counts queries."""
