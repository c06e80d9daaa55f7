"""Piccolo tables: the only place the schema is described. Queries live in repo modules."""
from __future__ import annotations

# ruff: noqa: F401
from piccolo.columns import (JSON, UUID, Boolean, Date, ForeignKey, Integer, Real, Serial, Text,
                             Timestamptz, Varchar, Bytea)
from piccolo.table import Table

# --- platform: District, School, SigningKey, User, ApiToken, WebSession, StatusList, IssuedCredential,
# --- LoginAttempt, AuditEvent (owner: issuer-platform; edit only below this line and above the next marker)


# --- learning: Framework, Competency, Achievement, Submission, SubmissionVersion, EvidenceFile,
# --- ExtendedLearning, MentorLink, Review, Award, BulkJob (owner: issuer-learning; edit only below this line)
