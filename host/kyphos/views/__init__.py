"""Views for people who review recordings: reports (HTML, PDF), progress across visits, the
interactive review window and batch runs. Everything here reads :func:`kyphos.load` and
:func:`kyphos.analysis.analyze`; nothing here changes a recording."""
