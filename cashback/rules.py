"""Pure loyalty arithmetic (`domain-rules.md` §6.2-6.4): no I/O here."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from cashback.models import EntryKind, Level


@dataclass(frozen=True, slots=True)
class LevelRule:
    level: str
    threshold: int
    divisor: int
    percent: float


LEVELS: tuple[LevelRule, ...] = (
    LevelRule(Level.SILVER, 0, 2, 2.0),
    LevelRule(Level.GOLD, 10_000, 3, 2.5),
    LevelRule(Level.PREMIUM, 40_000, 5, 3.0),
    LevelRule(Level.VIP, 120_000, 8, 3.5),
)
_BY_LEVEL = {rule.level: index for index, rule in enumerate(LEVELS)}

POINTS_EARNING_KINDS = frozenset(
    {
        EntryKind.ACCRUAL,
        EntryKind.CORRECTION,
        EntryKind.REFILL,
        EntryKind.WELCOME_BONUS,
        EntryKind.MANUAL_CREDIT,
    }
)
GIFT_AMOUNT = -35_000


def round_sum(value: object) -> int:
    """Round an iiko `sum` half away from zero: 15.5 -> 16, -35000.4 -> -35000."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"not a number: {value!r}")
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def level_rule(level: str) -> LevelRule:
    return LEVELS[_BY_LEVEL.get(level, 0)]


def level_for_points(points: int) -> str:
    """The highest level whose threshold is at most `points`."""
    return next(rule.level for rule in reversed(LEVELS) if rule.threshold <= points)


def points_for_entry(*, kind: str, amount: int, level_before: str) -> int:
    """Points a ledger entry earns: floor(amount / divisor of the level before)."""
    if amount <= 0 or kind not in POINTS_EARNING_KINDS:
        return 0
    return amount // level_rule(level_before).divisor


def level_after(*, level_before: str, points: int) -> str:
    """Levels never go down: the higher of the stored level and the points' level."""
    new = level_for_points(points)
    return new if _BY_LEVEL[new] > _BY_LEVEL.get(level_before, 0) else level_before


@dataclass(frozen=True, slots=True)
class LoyaltySummary:
    level: str
    cashback_balance: int
    points_total: int
    current_level_points: int
    current_level_min_points: int
    current_level_max_points: int | None
    next_level: str | None
    next_level_required_points: int | None
    points_to_next_level: int
    next_level_progress: int
    is_max_level: bool
    cashback_percent: float
    next_level_cashback_percent: float | None

    def as_dict(self) -> dict[str, object]:
        # Flat scalars only: `asdict`'s recursive deep copy is not needed (and
        # costs as much as the rest of the block on `/auth/me` and M8).
        return {name: getattr(self, name) for name in _SUMMARY_FIELDS}


_SUMMARY_FIELDS = tuple(f.name for f in fields(LoyaltySummary))


def loyalty_summary(*, level: str, points: int, balance: int) -> LoyaltySummary:
    """The loyalty block of `mobile-api.md` §5.3 for a stored level and points."""
    index = _BY_LEVEL.get(level, 0)
    current = LEVELS[index]
    following = LEVELS[index + 1] if index + 1 < len(LEVELS) else None
    level_points = max(points - current.threshold, 0)
    if following is None:
        return LoyaltySummary(
            level=current.level,
            cashback_balance=balance,
            points_total=points,
            current_level_points=level_points,
            current_level_min_points=current.threshold,
            current_level_max_points=None,
            next_level=None,
            next_level_required_points=None,
            points_to_next_level=0,
            next_level_progress=100,
            is_max_level=True,
            cashback_percent=current.percent,
            next_level_cashback_percent=None,
        )
    span = following.threshold - current.threshold
    progress = min(math.floor(100 * level_points / span), 100)
    return LoyaltySummary(
        level=current.level,
        cashback_balance=balance,
        points_total=points,
        current_level_points=level_points,
        current_level_min_points=current.threshold,
        current_level_max_points=following.threshold,
        next_level=following.level,
        next_level_required_points=following.threshold,
        points_to_next_level=max(following.threshold - points, 0),
        next_level_progress=progress,
        is_max_level=False,
        cashback_percent=current.percent,
        next_level_cashback_percent=following.percent,
    )
