"""Users, API tokens, web sessions, login limits and the audit log."""
