"""The verifier service: stateless, no database; anyone can check a badge, a transcript or a link.

Layout: ``config`` (VerifierConfig, VerifierSettings) → ``fetch`` (SSRF-safe fetcher, offline
bundle, resolver chain, ``cli_fetcher`` for ``badges verify``) → ``service`` (input sniffing, the
pure pipeline in a worker thread under ``budget``) → ``web`` (VC-API endpoints, /verify, the page;
``dto``, ``problems``, ``view``) → ``app`` (standalone) and ``cli`` (``badges verifier serve``).
``inputs_pdf`` re-exports ``badges.pdf_input``, which takes the signed CLR out of a transcript PDF.
"""
