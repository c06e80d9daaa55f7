"""Endorsements (issue 14): signed EndorsementCredentials by a school, a teacher or a partner
organisation about an achievement, a badge or an issuer."""
