"""What a digest is about: a region, one city tier of a region, or one dealer — as a value object.

A scope has a stable text key ("region:3", "tier:3:2", "dealer:17") used in forms, preview URLs and
the delivery log's uniqueness; parse() is its inverse and says what is wrong with a bad key.
"""

from __future__ import annotations

from dataclasses import dataclass

from .choices import ScopeKind


class ScopeKeyError(ValueError):
    pass


@dataclass(frozen=True)
class DigestScope:
    kind: str
    region_id: int | None = None
    city_tier: int | None = None
    dealer_id: int | None = None

    @property
    def key(self) -> str:
        if self.kind == ScopeKind.REGION:
            return f"region:{self.region_id}"
        if self.kind == ScopeKind.TIER:
            return f"tier:{self.region_id}:{self.city_tier}"
        return f"dealer:{self.dealer_id}"

    @classmethod
    def region(cls, region_id: int) -> DigestScope:
        return cls(ScopeKind.REGION, region_id=region_id)

    @classmethod
    def tier(cls, region_id: int, city_tier: int) -> DigestScope:
        return cls(ScopeKind.TIER, region_id=region_id, city_tier=city_tier)

    @classmethod
    def dealer(cls, dealer_id: int) -> DigestScope:
        return cls(ScopeKind.DEALER, dealer_id=dealer_id)

    @classmethod
    def parse(cls, key: str) -> DigestScope:
        """'region:<id>', 'tier:<region id>:<1-4>' or 'dealer:<id>'; ScopeKeyError says what is wrong."""
        parts = (key or "").strip().split(":")
        try:
            numbers = [int(p) for p in parts[1:]]
        except ValueError:
            raise ScopeKeyError(f"scope {key!r}: ids must be whole numbers") from None
        kind = parts[0]
        if kind == ScopeKind.REGION and len(numbers) == 1:
            return cls.region(numbers[0])
        if kind == ScopeKind.TIER and len(numbers) == 2:
            if not 1 <= numbers[1] <= 4:
                raise ScopeKeyError(f"scope {key!r}: a city tier is 1 to 4")
            return cls.tier(numbers[0], numbers[1])
        if kind == ScopeKind.DEALER and len(numbers) == 1:
            return cls.dealer(numbers[0])
        raise ScopeKeyError(
            f"scope {key!r} is not one of 'region:<id>', 'tier:<region id>:<tier 1-4>', 'dealer:<id>'"
        )
