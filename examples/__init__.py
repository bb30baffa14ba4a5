"""Examples of applications built on the registry's Python client."""
