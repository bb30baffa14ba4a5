"""Strawberry types, inputs and the Query/Mutation/Subscription roots. No decisions here."""
