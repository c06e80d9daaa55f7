"""Competency frameworks, competencies, achievements and their rubrics."""
