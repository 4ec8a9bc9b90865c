"""A self-assessment without the terminal: drive the session, score, render the report."""

from relscales.selfassess.outcome import render_report, score_answers
from relscales.selfassess.questionnaire import load_questionnaire
from relscales.selfassess.session import Session

q = load_questionnaire("rrss")
session = Session(q.questions)
for line in ["3", "often", "b", "", "s"] + ["2"] * 9 + [""]:
    session.submit(line)  # answer 3, answer "Often", back, keep it, skip, ...
assert session.done
result = score_answers(q, session.answers())
print(render_report(q, result, "txt"))
