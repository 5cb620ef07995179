"""ASGI entry point for servers: ``uvicorn roost.asgi:app``."""

from roost.app import create_app

app = create_app(auto_migrate=False)
