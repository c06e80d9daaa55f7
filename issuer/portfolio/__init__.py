"""The student's own record: the portfolio they curate and share (``service``, ``shares``), and
"My data", everything they hold as one archive (``archive``)."""
