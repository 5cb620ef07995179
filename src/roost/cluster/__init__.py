"""``roost cluster``: HAProxy in front of N app servers plus M job workers."""
