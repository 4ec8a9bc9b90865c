"""Score a pandas DataFrame on the Rosenberg Self-Esteem Scale.

The bundled ``rses`` instrument codes answers 0 (strongly disagree) to 3 (strongly
agree) and scores the sum of its ten items, five of them reverse-keyed, requiring all ten.
Cells may hold codes or the scale's labels. Cells that are not valid answers become
missing and are listed in ``result.problems``.

Run it with ``python docs/examples/score_dataframe.py`` (needs pandas).
"""

import io

import pandas as pd

import relscales

# In a study this would be pd.read_csv("export.csv") or pd.read_spss(...).
EXPORT = """\
participant_id,rses01,rses02,rses03,rses04,rses05,rses06,rses07,rses08,rses09,rses10
p01,3,0,3,2,1,0,3,1,0,3
p02,1,2,1,1,2,3,2,2,2,1
p03,2,1,2,Agree,1,1,2,1,1,2
p04,2,1,2,2,1,1,2,1,1,
p05,3,0,3,3,0,0,4,0,0,3
"""
# p03 answered one item with its label, p04 skipped an item, p05 has a 4 on a 0-3 scale.
frame = pd.read_csv(io.StringIO(EXPORT))

result = relscales.score("rses", frame, with_counts=True)

print("Scores (0-30, higher = higher self-esteem; empty = not all items answered):")
print(result.to_frame().to_string(index=False))

print(f"\n{result.problem_count} cell(s) were not valid answers:")
for problem in result.problems:
    print(f"  row {problem.row} ({problem.respondent}), {problem.column}: {problem.message}")

instrument = result.metadata["instruments"][0]
print(f"\nScored with {instrument['id']} {instrument['version']} ({instrument['content_hash']})")
