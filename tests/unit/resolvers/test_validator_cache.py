"""The validator cache: least recently used out first, bounded by count and by the schema
text behind its validators."""

from __future__ import annotations

from registry.payloads import MAX_ERRORS, PayloadError
from resolvers.validator_cache import ValidatorCache


class Named:
    """A validator that only says who it is."""

    def __init__(self, name: str) -> None:
        self.name = name

    def validate(self, payload: object, limit: int = MAX_ERRORS) -> list[PayloadError]:
        return [PayloadError("", "", "name", self.name)]


def test_a_kept_validator_is_found_under_its_schema_id_and_message_name() -> None:
    cache = ValidatorCache()
    order, refund = Named("order"), Named("refund")
    cache.put((1, None), order, 10)
    cache.put((1, "Refund"), refund, 10)

    assert cache.get((1, None)) is order
    assert cache.get((1, "Refund")) is refund
    assert cache.get((2, None)) is None
    assert (cache.hits, cache.misses) == (2, 1)


def test_past_the_entry_limit_the_least_recently_used_goes_first() -> None:
    cache = ValidatorCache(max_entries=2)
    cache.put((1, None), Named("1"), 1)
    cache.put((2, None), Named("2"), 1)
    assert cache.get((1, None)) is not None  # 2 is now the least recently used

    cache.put((3, None), Named("3"), 1)

    assert len(cache) == 2
    assert cache.get((2, None)) is None
    assert cache.get((1, None)) is not None and cache.get((3, None)) is not None


def test_past_the_character_budget_the_oldest_go_however_few_they_are() -> None:
    cache = ValidatorCache(max_entries=100, max_chars=1000)
    for schema_id in range(1, 4):
        cache.put((schema_id, None), Named(str(schema_id)), 400)

    assert len(cache) == 2 and cache.chars == 800
    assert cache.get((1, None)) is None


def test_a_validator_larger_than_the_whole_budget_is_not_kept() -> None:
    cache = ValidatorCache(max_chars=1000)
    cache.put((1, None), Named("small"), 10)

    cache.put((2, None), Named("huge"), 1001)

    assert cache.get((2, None)) is None
    assert cache.get((1, None)) is not None and cache.chars == 10


def test_putting_the_same_key_again_replaces_it_and_its_size() -> None:
    cache = ValidatorCache()
    cache.put((1, None), Named("old"), 100)
    newer = Named("new")

    cache.put((1, None), newer, 30)

    assert cache.get((1, None)) is newer
    assert (len(cache), cache.chars) == (1, 30)
