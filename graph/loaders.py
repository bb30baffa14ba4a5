"""Per-context batch loaders: fields that each subject of a listing resolves are read
for all of them at once (one query, not one per subject)."""

from __future__ import annotations

from collections.abc import Sequence

from strawberry.dataloader import DataLoader

from graph.context import GraphContext
from registry import model
from resolvers import subjects as subject_resolvers


def latest_versions(context: GraphContext) -> DataLoader[str, model.SchemaVersion | None]:
    """The newest live version by subject name, as the context's services see it.

    Nothing is kept between loads (``cache=False``): a websocket context outlives its
    operations, and a version registered meanwhile must show. A loader is bound to the
    services it was made for, so one made before a websocket authenticated is replaced.
    """
    services = context.services
    made = context.loaders.get("latest_versions")
    if made is not None and made[0] is services:
        loader: DataLoader[str, model.SchemaVersion | None] = made[1]
        return loader

    async def load(names: Sequence[str]) -> list[model.SchemaVersion | None]:
        return await subject_resolvers.find_latest_versions(services, names)

    loader = DataLoader(load_fn=load, cache=False)
    context.loaders["latest_versions"] = (services, loader)
    return loader
