"""Unit tests for the order in which the concurrency probe finishes its unfinished requests."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from tester.probes.concurrency import finishing_order


@pytest.mark.parametrize("count", range(2, 7))
def test_finishing_order_is_a_permutation_not_starting_with_zero(count):
    for seed in range(500):
        order = finishing_order(random.Random(seed), count)
        assert sorted(order) == list(range(count)), (seed, order)
        assert order[0] != 0, (seed, order)


def test_finishing_order_is_reproducible_from_the_seed():
    assert finishing_order(random.Random(7), 5) == finishing_order(random.Random(7), 5)


@pytest.mark.parametrize("count", [3, 5])
def test_finishing_order_varies_and_any_other_connection_can_go_first(count):
    firsts = Counter(finishing_order(random.Random(seed), count)[0] for seed in range(500))
    assert set(firsts) == set(range(1, count))
    orders = {tuple(finishing_order(random.Random(seed), count)) for seed in range(500)}
    assert len(orders) > count
