"""An LLM gateway whose tools come live from the schema registry (see README.md)."""
