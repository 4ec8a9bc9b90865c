"""Score a Qualtrics export as it comes out of Qualtrics.

The export has three header rows (column names, question text, import ids), metadata
columns, ``-99`` for a question that was seen but not answered, and one response that
was not finished. relscales skips the extra header rows, uses ``ResponseId`` as the id,
reads ``-99`` as missing, and reports the unfinished response.

Run it with ``python docs/examples/score_export.py``.
"""

import tempfile
from pathlib import Path

import relscales

ITEMS = [f"rses{i:02d}" for i in range(1, 11)]
EXPORT = "\n".join(
    [
        "ResponseId,Finished,Duration (in seconds)," + ",".join(ITEMS),
        "Response ID,Finished,Duration (in seconds)," + ",".join(f"Item {i}" for i in ITEMS),
        '"{""ImportId"":""_recordId""}","{""ImportId"":""finished""}",'
        '"{""ImportId"":""duration""}",'
        + ",".join(f'"{{""ImportId"":""QID1_{i}""}}"' for i in range(1, 11)),
        "R_1aaaaaaaaaaaaaa,1,240,3,0,3,3,0,0,3,0,0,3",
        "R_2bbbbbbbbbbbbbb,1,180,2,1,2,-99,1,1,2,1,1,2",
        "R_3cccccccccccccc,0,95,Agree,Disagree,Agree,Agree,Disagree,Disagree,Agree,1,1,2",
    ]
)

with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "export.csv"
    path.write_text(EXPORT + "\n", encoding="utf-8")
    result = relscales.score("rses", path)

print(result.metadata["input"]["format"], "export, id column:", result.id_column)
for rid, value in zip(result.columns["ResponseId"], result.scores["self_esteem"], strict=True):
    print(f"  {rid}: {value}")  # -99 is missing, and the RSES needs all ten items
for note in result.metadata["input"]["notes"]:
    print("note:", note)
for warning in result.warnings:
    print(warning.render())
