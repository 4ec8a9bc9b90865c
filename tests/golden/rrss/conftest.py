"""Keep pytest (``--doctest-modules``) from importing reference.py as a test module.

reference.py is a script run by hand (``python tests/golden/<id>/reference.py``), and the
same file name sits in three golden folders, whose imports would clash.
"""

collect_ignore = ["reference.py"]
