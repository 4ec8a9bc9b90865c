"""Nothing read from a file or a request reaches a terminal as a control sequence.

A questionnaire, an overlay or a data file can hold escape sequences: OSC 52 writes the
clipboard, OSC 0 retitles the window, CSI 2J + H clears the screen and repaints the
question, U+202E shows text reversed. ``take``, ``show``, ``serve``'s log and every
error or warning message show them as escapes (``\\x1b``) instead.
"""

from __future__ import annotations

import copy
import re
import socket
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from relscales.cli import app as cli_app
from relscales.errors import Issue, Location, SpecError
from relscales.instruments.describe import describe
from relscales.instruments.instrument import Instrument
from relscales.instruments.loader import load_instrument, load_instrument_data
from relscales.instruments.registry import resolve_instrument
from relscales.selfassess import questionnaire as questionnaire_module
from relscales.selfassess.questionnaire import load_questionnaire
from relscales.selfassess.server import SelfAssessApp, ServeOptions, make_server
from relscales.selfassess.terminal import run_take

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"  # writes "rm -rf ~" to the clipboard
TITLE = "\x1b]0;owned\x1b\\"
REPAINT = "\x1b[2J\x1b[H"
C1_CSI = "\x9b31m"
RLO = "\u202e"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Any control but the line feed (and tabs are not expected in these outputs)."""

runner = CliRunner()


def _no_controls(text: str) -> None:
    found = RAW.search(text)
    assert found is None, f"raw control {found.group()!r} in output" if found else ""


# -- messages: Issue.render and the score command ------------------------------------


def test_issue_render_escapes_values_from_the_data() -> None:
    issue = Issue(
        "duplicate-respondent-id",
        f"'{OSC52}' occurs twice\n{REPAINT}error[fake] all good",
        Location(file=f"data{TITLE}.csv", row=3, respondent=OSC52, data_column=f"q{RLO}1"),
        severity="warning",
        hint=f"check {C1_CSI}",
    )
    text = issue.render()
    _no_controls(text)
    assert "\n" not in text  # one issue, one line: a line break cannot forge another message
    assert "(id \\x1b]52;c;cm0gLXJmIH4K\\x07)" in text
    assert "column 'q\\u202e1'" in text
    assert "\\x1b[2J\\x1b[H" in text
    assert "\\x9b31m" in text
    assert str(SpecError(issue)) == text


@pytest.fixture
def osc_csv(tmp_path: Path) -> Path:
    """Two rows with the same respondent id holding OSC 52, one with an invalid cell."""
    items = [f"rses{i:02d}" for i in range(1, 11)]
    rows = [f"a{OSC52},7,{','.join(['2'] * 9)}", f"a{OSC52},{','.join(['2'] * 10)}"]
    path = tmp_path / "osc.csv"
    path.write_text("\n".join(["id," + ",".join(items), *rows]) + "\n", encoding="utf-8")
    return path


def test_score_messages_escape_a_respondent_id_with_osc52(osc_csv: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        cli_app, ["score", "-i", "rses", str(osc_csv), "-o", str(tmp_path / "o.csv")]
    )
    assert result.exit_code == 0, result.output
    _no_controls(result.output)
    # the invalid cell, located by row and respondent id, and the duplicate-id warning
    assert "row 1 (id a\\x1b]52;c;cm0gLXJmIH4K\\x07), column 'rses01'" in result.output
    assert "warning[duplicate-respondent-id]" in result.output


def test_score_error_escapes_an_id_column_name(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("rses01,rses02\n1,2\n", encoding="utf-8")
    result = runner.invoke(
        cli_app, ["score", "-i", "rses", str(data), "--id-column", f"who{OSC52}"]
    )
    assert result.exit_code == 2, result.output
    _no_controls(result.output)
    assert "who\\x1b]52" in result.output


# -- take: the terminal renderer -------------------------------------------------------


def _rrss_data() -> dict[str, Any]:
    data = yaml.safe_load(resolve_instrument("rrss").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _nasty_instrument() -> Instrument:
    """RRSS with controls in its name, instructions, first item, a label and a stem.

    Built with ``load_instrument_data``; should the loader refuse such text (it may: that
    is a separate defence), the same text is put into a loaded copy directly, since the
    output must be safe whatever reaches it.
    """
    data = copy.deepcopy(_rrss_data())
    data["name"] = f"Reassurance {TITLE}"
    data["instructions"] = {"en": f"Answer {C1_CSI}honestly."}
    data["items"][0]["text"] = {"en": f"I asked {OSC52}my partner.{REPAINT}Fake question?"}
    data["items"][0]["label"] = f"asked {RLO}partner"
    scale = data["response_scales"]["often5"]
    scale["labels"][3] = f"Some{REPAINT}times"
    scale["stem"] = {"en": f"In the past four weeks{TITLE}, how often?"}
    try:
        return load_instrument_data(data, source=f"nasty{OSC52}.yaml")
    except SpecError:
        pass
    inst = load_instrument("rrss")
    spec = inst.spec
    first = spec.items[0].model_copy(
        update={"text": data["items"][0]["text"], "label": data["items"][0]["label"]}
    )
    scales = dict(spec.response_scales)
    scales["often5"] = scales["often5"].model_copy(
        update={"labels": dict(scale["labels"]), "stem": scale["stem"]}
    )
    spec = spec.model_copy(
        update={
            "name": data["name"],
            "instructions": data["instructions"],
            "items": [first, *spec.items[1:]],
            "response_scales": scales,
        }
    )
    return Instrument(spec, f"nasty{OSC52}.yaml", inst.content_hash)


def test_take_renderer_escapes_item_text(monkeypatch: pytest.MonkeyPatch) -> None:
    nasty = _nasty_instrument()
    monkeypatch.setattr(
        questionnaire_module, "_load_members", lambda *_: ("instrument", [nasty], None)
    )
    q = load_questionnaire("nasty")
    assert OSC52 in q.questions[0].text  # it reached the questionnaire as it was
    shown: list[str] = []
    answers = iter(["3"] * len(q.questions) + [""])
    code = run_take(q, ask=lambda _: next(answers), say=shown.append, width=80)
    assert code == 0
    text = "\n".join(shown)
    _no_controls(text)
    flat = " ".join(text.split())
    assert "I asked \\x1b]52;c;cm0gLXJmIH4K\\x07my partner.\\x1b[2J\\x1b[HFake question?" in flat
    assert "Reassurance \\x1b]0;owned\\x1b\\" in flat
    assert "Some\\x1b[2J\\x1b[Htimes" in flat
    assert "Answer \\x9b31mhonestly." in flat


def test_show_escapes_instrument_text(monkeypatch: pytest.MonkeyPatch) -> None:
    nasty = _nasty_instrument()
    text = describe(nasty)
    _no_controls(text)
    assert "\\x1b]52;c;cm0gLXJmIH4K\\x07" in text
    assert "asked \\u202epartner" in text
    import relscales.cli.instruments as cli_instruments

    monkeypatch.setattr(cli_instruments, "_load", lambda *_: nasty)
    result = runner.invoke(cli_app, ["show", "rrss"])
    assert result.exit_code == 0, result.output
    _no_controls(result.output)
    assert "Reassurance \\x1b]0;owned\\x1b\\" in result.output


def test_show_keeps_its_layout() -> None:
    text = describe(load_instrument("rrss"))
    assert "\\n" not in text
    assert "\n  id rrss, version" in text


# -- serve: its log on the operator's terminal ----------------------------------------


def test_serve_log_escapes_the_request_path(capsys: pytest.CaptureFixture[str]) -> None:
    app = SelfAssessApp(ServeOptions(only=("rrss",)))
    httpd = make_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    port = httpd.server_address[1]
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(
                b"GET /take/\x1b]52;c;eA==\x07\x9b2J HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                b"Connection: close\r\n\r\n" % port
            )
            while sock.recv(65536):
                pass
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)
    log = capsys.readouterr().err
    _no_controls(log)
    assert "GET /take/\\x1b]52;c;eA==\\x07\\x9b2J 404" in log
