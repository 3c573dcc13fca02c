"""The SPARQL side: one plain WSGI router and its handlers, checks, limits and updates."""
