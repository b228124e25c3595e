"""Run memory: what earlier runs saw, so one night can say what nights together mean.

``state`` is the versioned model and its JSON form; ``history`` the pure rules over it
(streaks, flapping, facts nobody could verify, missed runs); ``file_store`` keeps it in a file.
The dashboard issue that keeps it on GitHub is an output (:mod:`checker.outputs.issues.dashboard`).
"""
