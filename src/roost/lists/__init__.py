"""Lists: an account's named groups of followed accounts, each with a timeline."""
