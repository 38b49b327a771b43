"""client.vector_databases: list, get, create, update (Pinecone)."""

from __future__ import annotations

from .._endpoint import Endpoint, Safety
from .._types import UNSET, Unset
from ..models._base import Page
from ..models.vector_databases import (
    PineconeVectorDatabase,
    PineconeVectorDatabaseParams,
    PineconeVectorDatabaseUpdateParams,
)
from ._base import Collection, body

__all__ = ["VectorDatabasesResource"]

_DB = PineconeVectorDatabase


class VectorDatabasesResource(Collection[_DB, _DB]):
    """Knowledge bases your agents draw on."""

    __slots__ = ()
    _list_endpoint = Endpoint[Page[_DB]]("GET", "/v1/vector_databases/list", Page[_DB])
    _get_endpoint = Endpoint[_DB]("GET", "/v1/vector_databases", _DB)
    _create = Endpoint[_DB]("POST", "/v1/vector_databases/create", _DB, Safety.UNSAFE)
    _update = Endpoint[_DB]("POST", "/v1/vector_databases/update", _DB)

    async def create(self, *, index: str, api_key: str, api_environment: str) -> _DB:
        """Register a Pinecone index (its ``api_key`` never shows in a repr)."""
        return await self._requester.request(
            self._create, body=body(PineconeVectorDatabaseParams, locals())
        )

    async def update(
        self,
        id: str,
        *,
        index: str | Unset = UNSET,
        api_key: str | Unset = UNSET,
        api_environment: str | Unset = UNSET,
    ) -> _DB:
        """Change the fields passed; the others stay as they are."""
        return await self._requester.request(
            self._update, params={"id": id}, body=body(PineconeVectorDatabaseUpdateParams, locals())
        )
