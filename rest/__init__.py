"""Confluent Schema Registry's REST API over the same use cases as the GraphQL API."""
