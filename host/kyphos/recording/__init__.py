"""Recordings: the append-only ``.kyr`` file (:mod:`~kyphos.recording.kyr`) and the loader
that turns one into a :class:`kyphos.session.Session` (:mod:`~kyphos.recording.load`)."""
