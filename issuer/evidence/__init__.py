"""Submissions and their versions, extended learning (ELOs) and mentor links, reviews and moderation."""
