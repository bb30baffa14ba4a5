"""Rules of Protobuf compatibility that are not about fields: enums and their values,
reserved numbers and names, and methods; and what every rule reports through."""

from __future__ import annotations

from collections.abc import Iterator

from registry.compatibility import Direction, Incompatibility
from registry.formats.protobuf_model import EnumModel, SchemaModel, display, path_of


class Report:
    """One comparison of two versions in one direction under one policy, and what it
    found; ``protobuf_compat`` adds the message and field rules."""

    def __init__(
        self, old: SchemaModel, new: SchemaModel, direction: Direction, lenient: bool
    ) -> None:
        self.old, self.new = old, new
        self.backward = direction is Direction.BACKWARD
        self.lenient = lenient
        self.found: list[Incompatibility] = []

    def add(self, code: str, message: str, old_path: str, new_path: str) -> None:
        self.found.append(Incompatibility(code, message, old_path, new_path))

    def strict(self) -> bool:
        return not self.lenient

    def same_enum(self, old_key: str, new_key: str) -> bool:
        """Buf's allowance for an enum that moved: same short name, and every value of
        the old one (name and number) still in the new one."""
        old, new = self.old.enums.get(old_key), self.new.enums.get(new_key)
        if old is None or new is None or old_key.rpartition(".")[2] != new_key.rpartition(".")[2]:
            return False
        return all(new.numbers.get(name) == number for name, number in old.numbers.items())

    def enum(self, old: EnumModel, new: EnumModel) -> None:
        key = old.key
        if self.strict() and old.json and not new.json:
            self.add(
                "ENUM_JSON_FORMAT_CHANGED",
                f"Enum '{display(key)}' went from full JSON support to best effort.",
                path_of(key),
                path_of(key),
            )
        self.reserved(key, old.reserved, new.reserved, old.reserved_names, new.reserved_names)
        for number, names in old.values.items():
            kept = new.values.get(number)
            if kept is None and not covers(new.reserved, number):
                self.add(
                    "ENUM_VALUE_NUMBER_NOT_RESERVED",
                    f"Enum value '{display(key, names[0])}' ({number}) was deleted without "
                    f"reserving number {number}.",
                    path_of(key, names[0]),
                    path_of(key),
                )
            for name in names:
                if kept is not None and name in kept:
                    continue
                moved = new.numbers.get(name)
                if moved is not None:
                    self.add(
                        "ENUM_VALUE_RENUMBERED",
                        f"Enum value '{display(key, name)}' changed from {number} to {moved}.",
                        path_of(key, name),
                        path_of(key, name),
                    )
                elif kept is not None and self.strict():
                    self.add(
                        "ENUM_VALUE_RENAMED",
                        f"Enum value '{display(key, name)}' ({number}) was renamed to "
                        f"'{kept[0]}': JSON records use value names.",
                        path_of(key, name),
                        path_of(key, kept[0]),
                    )
                elif kept is None and self.strict() and name not in new.reserved_names:
                    self.add(
                        "ENUM_VALUE_NAME_NOT_RESERVED",
                        f"Enum value '{display(key, name)}' ({number}) was deleted without "
                        f"reserving name '{name}'.",
                        path_of(key, name),
                        path_of(key),
                    )

    def reserved(
        self,
        key: str,
        old: tuple[tuple[int, int], ...],
        new: tuple[tuple[int, int], ...],
        old_names: frozenset[str],
        new_names: frozenset[str],
    ) -> None:
        where = path_of(key)
        for start, end in _uncovered(old, new):
            shown = str(start) if end - start == 1 else f"{start} to {end - 1}"
            self.add(
                "RESERVED_RANGE_REMOVED",
                f"'{display(key)}' no longer reserves {shown}.",
                where,
                where,
            )
        for name in sorted(old_names - new_names):
            self.add(
                "RESERVED_NAME_REMOVED",
                f"'{display(key)}' no longer reserves name '{name}'.",
                where,
                where,
            )

    def methods(self) -> None:
        for name, old in self.old.methods.items():
            new = self.new.methods.get(name)
            if new is None or new == old:
                continue
            where = "#/" + name.replace(".", "/")
            for code, before, after, what in (
                ("RPC_REQUEST_TYPE_CHANGED", old.request, new.request, "request type"),
                ("RPC_RESPONSE_TYPE_CHANGED", old.response, new.response, "response type"),
            ):
                if before != after:
                    self.add(
                        code,
                        f"Method '{name}' changed its {what} from '{display(before)}' to "
                        f"'{display(after)}'.",
                        where,
                        where,
                    )
            if (old.client_streaming, old.server_streaming) != (
                new.client_streaming,
                new.server_streaming,
            ):
                self.add(
                    "RPC_STREAMING_CHANGED", f"Method '{name}' changed its streaming.", where, where
                )
            if old.idempotency != new.idempotency:
                self.add(
                    "RPC_IDEMPOTENCY_CHANGED",
                    f"Method '{name}' changed its idempotency_level.",
                    where,
                    where,
                )


def covers(ranges: tuple[tuple[int, int], ...], number: int) -> bool:
    return any(start <= number < end for start, end in ranges)


def _uncovered(
    old: tuple[tuple[int, int], ...], new: tuple[tuple[int, int], ...]
) -> Iterator[tuple[int, int]]:
    """The parts of the (merged, half-open) ``old`` ranges outside ``new``."""
    for start, end in old:
        cursor = start
        for new_start, new_end in new:
            if new_end <= cursor or new_start >= end:
                continue
            if new_start > cursor:
                yield cursor, new_start
            cursor = max(cursor, new_end)
        if cursor < end:
            yield cursor, end
