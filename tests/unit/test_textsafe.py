"""``printable``: what may reach a terminal from a file (relscales.textsafe)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from relscales.textsafe import printable

UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        pytest.param("\x1b]52;c;SGk=\x07", "\\x1b]52;c;SGk=\\x07", id="osc52-clipboard"),
        pytest.param("\x1b]0;title\x1b\\", "\\x1b]0;title\\x1b\\", id="osc-title-st"),
        pytest.param("\x1b[2J\x1b[H", "\\x1b[2J\\x1b[H", id="csi-clear-home"),
        pytest.param("\x9b2J", "\\x9b2J", id="c1-csi"),
        pytest.param("\x9d0;t\x9c", "\\x9d0;t\\x9c", id="c1-osc"),
        pytest.param("a\rb\x08\x7f", "a\\rb\\x08\\x7f", id="cr-backspace-del"),
        pytest.param("a\nb\tc", "a\\nb\\tc", id="newline-tab"),
        pytest.param("abc\u202edcba\u202c", "abc\\u202edcba\\u202c", id="bidi-override"),
        pytest.param("\u2066x\u2069", "\\u2066x\\u2069", id="bidi-isolate"),
        pytest.param("a\u2028b\u2029", "a\\u2028b\\u2029", id="line-separators"),
        pytest.param("bad\udcff", "bad\\udcff", id="lone-surrogate"),
    ],
)
def test_controls_are_shown_as_escapes(text: str, shown: str) -> None:
    assert printable(text) == shown


@pytest.mark.parametrize(
    "text",
    [
        "Énoncé 1, ça va ? « oui »",
        "Ich fühle mich geliebt – meistens.",
        "私はパートナーを信頼しています",
        "أشعر بالأمان مع شريكي",  # right-to-left text needs no override
        "👩‍❤️‍👨 and a zero\u200bwidth space",  # ZWJ sequences and ZWSP stay
        "C:\\Users\\me\\report.html",  # a backslash is no control
        "",
    ],
)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert printable(text) == text


def test_keep_leaves_the_layout() -> None:
    assert printable("a\n\tb\x1b\r", keep="\n\t") == "a\n\tb\\x1b\\r"
    assert printable("a\nb", keep="\n") == "a\nb"


@given(st.text())
def test_nothing_unsafe_is_left(text: str) -> None:
    out = printable(text)
    assert UNSAFE.search(out) is None
    assert printable(out) == out  # escaping twice changes nothing more


@given(st.text(), st.sampled_from(["", "\n", "\n\t"]))
def test_only_kept_controls_remain(text: str, keep: str) -> None:
    out = printable(text, keep=keep)
    assert {c for c in out if UNSAFE.match(c)} <= set(keep)
