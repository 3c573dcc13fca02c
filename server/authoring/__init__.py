"""Tools for curators: segment sources, NIF text graphs, new terms, deterministic Turtle."""
