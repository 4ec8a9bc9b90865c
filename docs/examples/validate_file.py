"""Validate an instrument file, print its problems, fix them, and load it.

The file is written to a temporary folder, so the example leaves nothing behind. It has
two mistakes: a label ``no`` that YAML reads as the boolean false unless it is quoted, and
a subscale that lists an item id with a typo. The first is a problem of structure and the
second a cross-reference, which relscales checks once the structure is valid: so the
first run shows one problem, and the second run shows the other.

Run it with ``python docs/examples/validate_file.py``.
"""

import tempfile
from pathlib import Path

import relscales

DRAFT = """\
relscales: 1
id: checking-3
version: 1.0.0
name: Checking (three-item example)
domain: reassurance-seeking
license: {name: CC0, item_text: not-included}
validation: {status: experimental}
response_scales:
  yesno:
    values: [0, 1]
    labels: {0: no, 1: 'yes'}
items:
  - {id: ch1, label: checks partner's messages, scale: yesno}
  - {id: ch2, label: asks where partner has been, scale: yesno}
  - {id: ch3, label: trusts without checking, scale: yesno, reverse: true}
subscales:
  - id: checking
    name: Checking
    items: [ch1, ch2, chk3]
    score: sum
"""

versions = [
    DRAFT,
    DRAFT.replace("{0: no,", "{0: 'no',"),
    DRAFT.replace("{0: no,", "{0: 'no',").replace("chk3]", "ch3]"),
]

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "checking-3.yaml"
    for attempt, text in enumerate(versions, start=1):
        path.write_text(text, encoding="utf-8")
        report = relscales.validate_file(path)
        print(f"attempt {attempt}: valid = {report.valid}")
        for issue in report.issues:
            print("  " + issue.render().replace(str(path), path.name))

    instrument = relscales.load_instrument(path)
    print(f"loaded {instrument.id} {instrument.version}:")
    for item in instrument.items:
        print(f"  {item.id}{' (R)' if item.reverse else ''}: {item.label}")
