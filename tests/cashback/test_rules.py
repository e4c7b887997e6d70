"""`domain-rules.md` §6.3-6.4 and the worked examples of §6.10."""

from __future__ import annotations

import pytest

from cashback.rules import (
    level_after,
    level_for_points,
    loyalty_summary,
    points_for_entry,
    round_sum,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("15.5", 16),
        (15.5, 16),
        ("-35000.4", -35000),
        ("-15.5", -16),
        (12000, 12000),
        ("0.49", 0),
    ],
)
def test_round_sum_half_away_from_zero(value, expected):
    assert round_sum(value) == expected


@pytest.mark.parametrize("value", ["abc", None, "nan", "inf"])
def test_round_sum_rejects_non_numbers(value):
    with pytest.raises(ValueError, match="not a number"):
        round_sum(value)


@pytest.mark.parametrize(
    ("_case", "kind", "amount", "level", "points"),
    [
        ("A.1 accrual at SILVER", "accrual", 12000, "SILVER", 6000),
        ("A.2 divisor of the level before", "accrual", 15000, "SILVER", 7500),
        ("B GOLD divisor", "accrual", 3000, "GOLD", 1000),
        ("D rounding", "accrual", 16, "SILVER", 8),
        ("PREMIUM", "manual_credit", 10000, "PREMIUM", 2000),
        ("VIP", "welcome_bonus", 8000, "VIP", 1000),
        ("payment earns nothing", "payment", 35000, "SILVER", 0),
        ("negative earns nothing", "correction", -100, "SILVER", 0),
        ("refill from order earns nothing", "refill_from_order", 5000, "SILVER", 0),
        ("reconciliation earns nothing", "reconciliation", 5000, "SILVER", 0),
    ],
)
def test_points_for_entry(_case, kind, amount, level, points):
    assert points_for_entry(kind=kind, amount=amount, level_before=level) == points


@pytest.mark.parametrize(
    ("points", "level"),
    [
        (0, "SILVER"),
        (9999, "SILVER"),
        (10000, "GOLD"),
        (39999, "GOLD"),
        (40000, "PREMIUM"),
        (120000, "VIP"),
    ],
)
def test_level_for_points(points, level):
    assert level_for_points(points) == level


def test_levels_never_go_down():
    assert level_after(level_before="PREMIUM", points=100) == "PREMIUM"
    assert level_after(level_before="SILVER", points=125000) == "VIP"


def test_summary_example_a():
    summary = loyalty_summary(level="GOLD", points=13500, balance=27000).as_dict()
    assert summary == {
        "level": "GOLD",
        "cashback_balance": 27000,
        "points_total": 13500,
        "current_level_points": 3500,
        "current_level_min_points": 10000,
        "current_level_max_points": 40000,
        "next_level": "PREMIUM",
        "next_level_required_points": 40000,
        "points_to_next_level": 26500,
        "next_level_progress": 11,
        "is_max_level": False,
        "cashback_percent": 2.5,
        "next_level_cashback_percent": 3.0,
    }


def test_summary_example_c_vip():
    summary = loyalty_summary(level="VIP", points=125000, balance=250000)
    assert summary.current_level_points == 5000
    assert summary.next_level is None
    assert summary.current_level_max_points is None
    assert summary.points_to_next_level == 0
    assert summary.next_level_progress == 100
    assert summary.is_max_level is True
    assert summary.cashback_percent == 3.5
    assert summary.next_level_cashback_percent is None


def test_progress_is_capped_when_points_exceed_a_stored_lower_level():
    # a level is stored; points past the next threshold cap progress at 100
    summary = loyalty_summary(level="SILVER", points=15000, balance=0)
    assert summary.next_level_progress == 100
    assert summary.points_to_next_level == 0


@pytest.mark.parametrize(
    ("level", "points"), [("SILVER", 0), ("GOLD", 13500), ("VIP", 250000)]
)
def test_the_summary_dict_is_the_dataclass_as_a_dict(level, points):
    from dataclasses import asdict

    summary = loyalty_summary(level=level, points=points, balance=700)
    assert list(summary.as_dict().items()) == list(asdict(summary).items())
