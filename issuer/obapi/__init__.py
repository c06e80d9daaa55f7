"""The Open Badges 3.0 REST API (1EdTech OB 3.0 §6–7), as a host: discovery, OAuth 2.0 (RFC 7591
registration, authorization code with PKCE, refresh, revocation: Authlib's server, ``oauth``),
the student's credentials and profile (``service``), errors as ``Imsx_StatusInfo`` (``imsx``)."""
