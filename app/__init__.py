"""The runnable service: settings, Starlette app, lifespan, operations endpoints, CLI."""
