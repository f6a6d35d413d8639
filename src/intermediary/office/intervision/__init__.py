"""Anonymised case summaries for intervision (peer consultation, *intervisie*)."""
