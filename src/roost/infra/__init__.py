"""Infrastructure adapters behind small protocols, chosen by configuration URL."""
