"""The engine behind one protocol: the embedded pyoxigraph store, or a remote SPARQL store."""
