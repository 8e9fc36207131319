"""The GitHub side of migration-guard: the only code that talks HTTP.

Importing this package imports nothing heavy; PyGithub is loaded by ``client`` only when
the action runs, so the ``lint`` CLI never pays for it.
"""
