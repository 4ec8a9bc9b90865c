"""Self-assessment: one person answers an instrument and reads their own report.

- :mod:`~relscales.selfassess.questionnaire`: an instrument or battery with its wording,
  in one language, as a list of questions (what ``take`` and ``serve`` administer);
- :mod:`~relscales.selfassess.session`: one sitting as a pure state machine (answer by
  number or label, back, skip, quit, progress);
- :mod:`~relscales.selfassess.outcome`: scoring the answers with the same engine as
  ``relscales score``, the report, and the JSON record of a submission;
- :mod:`~relscales.selfassess.terminal`: ``relscales take``;
- :mod:`~relscales.selfassess.server`: ``relscales serve``, a small local web app.

Nothing here writes a file unless asked (``--save``), and nothing makes a network call.
"""
