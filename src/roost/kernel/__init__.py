"""The kernel: what every layer of Roost may import.

Domain errors, paging bounds, the authenticated caller and time formatting.
Nothing here knows about HTTP, the database or the cache; ``roost.api`` maps
the errors to HTTP responses in one place.
"""
