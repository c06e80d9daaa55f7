"""Districts and schools, their identity (DIDs, issuer Profiles) and their signing keys."""
