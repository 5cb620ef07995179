"""OAuth 2 apps, authorization codes and access tokens."""
