"""The streaming API: events on the bus, and the SSE and WebSocket streams
that hand them to clients (Mastodon's ``/api/v1/streaming``)."""
