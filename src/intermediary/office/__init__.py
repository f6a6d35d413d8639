"""The counsellor's office: reminders, retention, handover, recovery, excerpts, the
annual report and intervision summaries, all kept beside the running service."""
