"""alliance-kg: an essay-grounded knowledge graph of the US-Japan alliance, served over SPARQL."""
