"""The front of `alliance-kg serve`: connections, whole requests, sandboxed query workers."""
