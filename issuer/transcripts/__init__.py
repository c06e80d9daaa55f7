"""CLR transcripts: building, rendering, share links and cohort jobs."""
