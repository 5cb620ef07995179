"""HTTP glue shared by every domain: routing, parsing, errors, auth, paging."""
