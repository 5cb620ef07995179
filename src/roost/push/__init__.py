"""Web Push: subscriptions per access token and the delivery of notifications."""
