"""Running an installation: the doctor's findings, health and metrics, backups, logs.

One floor with :mod:`intermediary.runtime`: what an operator needs around a running
service, kept out of the service itself. The front ends import from here (their own
doctor checks return :class:`~intermediary.operations.findings.Finding` values), the
command line assembles it.
"""
