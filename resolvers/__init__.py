"""Use cases: one async function each. Load through ports, let registry decide, persist,
publish after commit."""
