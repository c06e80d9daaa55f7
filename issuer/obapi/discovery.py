"""The REST API's service description document (OB 3.0 §6.3, ``getServiceDescription``): an
OpenAPI 3.0 document naming the operations and, in ``components.securitySchemes.OAuth2ACG``,
where a client registers, authorizes and gets tokens."""
from __future__ import annotations

from typing import Any

from issuer.context import IssuerContext
from issuer.obapi.oauth import READ_CREDENTIALS, READ_PROFILE, SCOPES, UPDATE_PROFILE, UPSERT_CREDENTIALS

_ERRORS = {"400": {"$ref": "#/components/responses/Problem"}, "401": {"$ref": "#/components/responses/Problem"},
           "403": {"$ref": "#/components/responses/Problem"}, "404": {"$ref": "#/components/responses/Problem"}}


def _operation(op_id: str, summary: str, scope: str, ok: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "summary": summary, "tags": ["OpenBadgeCredentials"],
            "security": [{"OAuth2ACG": [scope]}], "responses": {**ok, **_ERRORS}, **extra}


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"https://purl.imsglobal.org/spec/ob/v3p0/schema/json/{schema}"}}}


def document(ctx: IssuerContext) -> dict[str, Any]:
    base = ctx.settings.base_url
    api = f"{base}/ims/ob/v3p0"
    profile = {"description": "The profile", "content": _json("ob_v3p0_profile_schema.json")}
    return {
        "openapi": "3.0.1",
        "info": {
            "title": "Open Badges for schools: Open Badges API",
            "description": "A student's backpack: the badges their school awarded and those they added.",
            "version": "3.0",
            "termsOfService": f"{base}/api#terms",
            "x-imssf-privacyPolicyUrl": f"{base}/api#privacy",
            "x-imssf-image": f"{base}/favicon.ico",
        },
        "servers": [{"url": api, "description": "This platform"}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": _operation(
                    "getCredentials", "The student's credentials", READ_CREDENTIALS,
                    {"200": {"description": "A page of credentials (X-Total-Count, Link)",
                             "content": _json("ob_v3p0_getopenbadgecredentialsresponse_schema.json")}},
                    parameters=[
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}]),
                "post": _operation(
                    "upsertCredential", "Add a credential, or replace the one with the same id", UPSERT_CREDENTIALS,
                    {"200": {"description": "Replaced"}, "201": {"description": "Created"}},
                    requestBody={"content": {**_json("ob_v3p0_achievementcredential_schema.json"),
                                             "application/vc+ld+json": {}, "text/plain": {}}}),
            },
            "/profile": {
                "get": _operation("getProfile", "The student's profile", READ_PROFILE, {"200": profile}),
                "put": _operation("putProfile", "Replace the student's profile", UPDATE_PROFILE, {"200": profile},
                                  requestBody={"content": _json("ob_v3p0_profile_schema.json")}),
            },
            "/discovery": {"get": {"operationId": "getServiceDescription", "tags": ["Discovery"],
                                   "summary": "This document", "security": [],
                                   "responses": {"200": {"description": "The service description"}}}},
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 authorization code grant with PKCE (S256)",
                    "x-imssf-registrationUrl": f"{base}/oauth/register",
                    "flows": {"authorizationCode": {
                        "authorizationUrl": f"{base}/oauth/authorize",
                        "tokenUrl": f"{base}/oauth/token",
                        "refreshUrl": f"{base}/oauth/token",
                        "x-imssf-revocationUrl": f"{base}/oauth/revoke",
                        "scopes": dict(SCOPES),
                    }},
                },
            },
            "responses": {"Problem": {"description": "An Imsx_StatusInfo", "content": _json(
                "ob_v3p0_imsx_statusinfo_schema.json")}},
        },
    }
