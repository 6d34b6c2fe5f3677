"""Unit tests for tester.variables: the drawn values are realistic, exact in size and reproducible."""

from __future__ import annotations

import random
import re

import pytest

from tester import variables

SEEDS = range(2000)


def agents() -> list[str]:
    return [variables.user_agent(random.Random(seed)) for seed in SEEDS]


# --------------------------------------------------------------------------- user_agent


@pytest.mark.parametrize("character", [",", ";", "(", ")", "/"])
def test_every_user_agent_holds_the_characters_that_catch_a_cut(character):
    missing = [agent for agent in agents() if character not in agent]
    assert not missing, missing[:3]


def test_every_user_agent_has_several_spaces_but_never_two_in_a_row():
    for agent in agents():
        assert agent.count(" ") > 1, agent
        assert "  " not in agent, agent


def test_user_agents_are_trimmed_visible_ascii():
    for agent in agents():
        assert agent == agent.strip(), agent
        assert re.fullmatch(r"[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?", agent), agent


def test_a_colon_is_in_some_user_agents_only():
    with_colon = sum(":" in agent for agent in agents())
    assert 0.25 * len(SEEDS) < with_colon < 0.75 * len(SEEDS)


def test_user_agents_vary():
    drawn = agents()
    assert len(set(drawn)) > 0.6 * len(drawn)
    for product in ("Chrome/", "Edg/", "OPR/", "Vivaldi/", "Version/", "Mobile Safari/", "SamsungBrowser/",
                    "Electron/", "Googlebot/", "bingbot/", "iPhone", "Android", "Windows NT", "X11"):
        assert any(product in agent for agent in drawn), product


def test_cutting_a_user_agent_at_a_separator_always_changes_it():
    for agent in agents():
        for separator in (" ", ";", ","):
            assert agent.split(separator)[0] != agent


# --------------------------------------------------------------------------- sizes


@pytest.mark.parametrize("size", range(1, 301))
def test_text_is_exactly_the_size_asked(size):
    for seed in range(40):
        value = variables.text(random.Random(seed), size)
        assert len(value.encode()) == size, (seed, value)
        assert value[0] != " " and value[-1] != " " and "  " not in value, (seed, value)
        assert re.fullmatch(r"[a-z ]+", value), value


@pytest.mark.parametrize("size", [256, 1000, 6000, 65536])
def test_large_texts_are_exact_for_many_seeds(size):
    assert {len(variables.text(random.Random(seed), size)) for seed in range(300)} == {size}


def test_text_is_words_and_spaces():
    value = variables.text(random.Random(7), 200)
    assert set(value.split(" ")[:-1]) <= set(variables.WORDS) | {word + "s" for word in variables.WORDS}


@pytest.mark.parametrize("size", range(8, 301))
def test_binary_is_exactly_the_size_asked_and_never_utf8(size):
    for seed in range(10):
        value = variables.binary(random.Random(seed), size)
        assert len(value) == size
        with pytest.raises(UnicodeDecodeError):
            value.decode("utf-8")


def test_binary_refuses_sizes_below_its_marker():
    with pytest.raises(ValueError):
        variables.binary(random.Random(0), 7)


@pytest.mark.parametrize("count", [1, 2, 5])
def test_words_draws_the_count_asked(count):
    assert len(variables.words(random.Random(3), count, "-").split("-")) == count


def test_filename_and_coding_are_token_characters():
    for seed in range(200):
        rng = random.Random(seed)
        assert re.fullmatch(r"[a-z]+_[a-z]+_\d{2,3}", variables.filename(rng))
        assert re.fullmatch(r"x-[a-z]+", variables.coding(rng))


# --------------------------------------------------------------------------- reproducible


@pytest.mark.parametrize("generator", list(variables.GENERATORS))
def test_the_same_seed_and_stage_draw_the_same_value(generator):
    draw = variables.GENERATORS[generator]
    first = draw(variables.stage_rng(5, "some-stage"))
    assert draw(variables.stage_rng(5, "some-stage")) == first


def test_a_label_has_a_space_and_a_letter_outside_ascii():
    for seed in range(50):
        value = variables.label(random.Random(seed))
        assert value.count(" ") == 1 and not value.isascii() and value == value.strip()


def test_numbers_stay_within_their_bounds():
    drawn = {variables.number(random.Random(seed), min=3, max=5) for seed in range(60)}
    assert drawn == {"3", "4", "5"}


def test_an_http_date_is_an_imf_fixdate_of_this_century():
    from tester import httpdate

    for seed in range(40):
        value = variables.http_date(random.Random(seed))
        assert httpdate.problem(value) is None, value
        assert 978_307_200 <= httpdate.seconds(value) < 1_609_459_200
