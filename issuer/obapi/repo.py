"""Queries of the REST API's OAuth clients, codes, tokens and learner profiles."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from piccolo.columns import Column

from issuer.db.engine import write_transaction
from issuer.db.query import first_row, insert_row, row_of, rows_of
from issuer.db.tables import LearnerProfile, OAuthClient, OAuthCode, OAuthToken
from issuer.obapi.rows import ClientRow, CodeRow, GrantRow, ProfileRow, TokenRow

_pk_client = OAuthClient._meta.primary_key
_pk_code = OAuthCode._meta.primary_key
_pk_token = OAuthToken._meta.primary_key


async def insert_client(*, client_id: str, secret_hash: str, client_name: str, metadata: str, at: datetime) -> int:
    return await insert_row(OAuthClient, client_id=client_id, secret_hash=secret_hash, client_name=client_name,
                            metadata=metadata, created_at=at)


async def client_by_client_id(client_id: str) -> ClientRow | None:
    return row_of(ClientRow, await first_row(OAuthClient.select().where(OAuthClient.client_id == client_id)))


async def client_by_id(row_id: int) -> ClientRow | None:
    return row_of(ClientRow, await first_row(OAuthClient.select().where(_pk_client == row_id)))


async def insert_code(*, code_hash: str, client: int, user: int, redirect_uri: str, scope: str,
                      code_challenge: str, code_challenge_method: str, expires_at: datetime, now: datetime) -> int:
    # codes nobody exchanged would pile up: each new one sweeps the expired ones away
    await OAuthCode.delete().where(OAuthCode.expires_at < now)
    return await insert_row(OAuthCode, code_hash=code_hash, client=client, user=user, redirect_uri=redirect_uri,
                            scope=scope, code_challenge=code_challenge,
                            code_challenge_method=code_challenge_method, expires_at=expires_at)


async def code_by_hash(code_hash: str) -> CodeRow | None:
    return row_of(CodeRow, await first_row(OAuthCode.select().where(OAuthCode.code_hash == code_hash)))


async def take_code(row_id: int) -> bool:
    """Delete the code; False when another request took it first (a code is good once)."""
    async with write_transaction():
        gone = await OAuthCode.delete().where(_pk_code == row_id).returning(_pk_code)
    return bool(gone)


async def insert_token(*, access_hash: str, refresh_hash: str, client: int, user: int, scope: str,
                       issued_at: datetime, expires_in: int, refresh_expires_at: datetime | None) -> int:
    return await insert_row(OAuthToken, access_hash=access_hash, refresh_hash=refresh_hash, client=client,
                            user=user, scope=scope, issued_at=issued_at, expires_in=expires_in,
                            refresh_expires_at=refresh_expires_at, access_revoked=False, refresh_revoked=False)


async def token_by_access(access_hash: str) -> TokenRow | None:
    return row_of(TokenRow, await first_row(OAuthToken.select().where(OAuthToken.access_hash == access_hash)))


async def token_by_refresh(refresh_hash: str) -> TokenRow | None:
    if not refresh_hash:
        return None
    return row_of(TokenRow, await first_row(OAuthToken.select().where(OAuthToken.refresh_hash == refresh_hash)))


async def revoke_token(row_id: int, *, refresh_too: bool) -> None:
    values: dict[Column | str, Any] = {OAuthToken.access_revoked: True}
    if refresh_too:
        values[OAuthToken.refresh_revoked] = True
    await OAuthToken.update(values).where(_pk_token == row_id)


async def count_grants(user_id: int) -> int:
    return int(await OAuthToken.count().where(OAuthToken.user == user_id))


async def forget_user(user_id: int) -> None:
    """Erasure: the student's grants, codes and profile go (call inside the erasure's transaction)."""
    await OAuthToken.delete().where(OAuthToken.user == user_id)
    await OAuthCode.delete().where(OAuthCode.user == user_id)
    await LearnerProfile.delete().where(LearnerProfile.user == user_id)


async def profile_of(user_id: int) -> ProfileRow | None:
    return row_of(ProfileRow, await first_row(LearnerProfile.select().where(LearnerProfile.user == user_id)))


async def save_profile(user_id: int, document: str, at: datetime) -> None:
    async with write_transaction():
        updated = await LearnerProfile.update({LearnerProfile.document: document, LearnerProfile.updated_at: at}
                                              ).where(LearnerProfile.user == user_id).returning(
            LearnerProfile._meta.primary_key)
        if not updated:
            await insert_row(LearnerProfile, user=user_id, document=document, updated_at=at)


async def grants_of(user_id: int) -> list[GrantRow]:
    """The student's tokens not revoked outright, newest first, with their clients' names."""
    return rows_of(GrantRow, await OAuthToken.select(
        OAuthToken.id, OAuthToken.client, OAuthToken.client.client_name.as_alias("client_name"),
        OAuthToken.client.metadata.as_alias("client_metadata"), OAuthToken.scope, OAuthToken.refresh_hash,
        OAuthToken.issued_at,
        OAuthToken.expires_in, OAuthToken.refresh_expires_at, OAuthToken.access_revoked, OAuthToken.refresh_revoked,
    ).where((OAuthToken.user == user_id) & ((OAuthToken.access_revoked == False)  # noqa: E712
                                            | (OAuthToken.refresh_revoked == False))  # noqa: E712
            ).order_by(OAuthToken.issued_at, ascending=False))


async def disconnect(user_id: int, client_row_id: int) -> int:
    """Revoke every token the student gave the client; returns how many were still live."""
    gone = await OAuthToken.update({OAuthToken.access_revoked: True, OAuthToken.refresh_revoked: True}).where(
        (OAuthToken.user == user_id) & (OAuthToken.client == client_row_id)
        & ((OAuthToken.access_revoked == False) | (OAuthToken.refresh_revoked == False))  # noqa: E712
    ).returning(_pk_token)
    return len(gone)
