"""Vector databases (Pinecone) an agent draws knowledge from. Their ``api_key`` is secret."""

from __future__ import annotations

from typing import Literal

import attrs

from .._types import UNSET, Unset
from ._base import Model, RequestBody, secret

__all__ = [
    "PineconeVectorDatabase",
    "PineconeVectorDatabaseParams",
    "PineconeVectorDatabaseUpdateParams",
    "VectorDatabase",
]


@attrs.frozen(kw_only=True)
class PineconeVectorDatabase(Model):
    """A Pinecone index; ``api_key`` never appears in a repr."""

    id: str
    user_id: str
    index: str
    api_key: str = secret()
    api_environment: str
    type: Literal["vector_database_pinecone"] = "vector_database_pinecone"


VectorDatabase = PineconeVectorDatabase
"""The only kind of vector database the API has today."""


@attrs.frozen(kw_only=True)
class PineconeVectorDatabaseParams(RequestBody):
    """A new Pinecone vector database."""

    index: str
    api_key: str = secret()
    api_environment: str
    type: Literal["vector_database_pinecone"] = "vector_database_pinecone"


@attrs.frozen(kw_only=True)
class PineconeVectorDatabaseUpdateParams(RequestBody):
    """A partial update of a Pinecone vector database."""

    index: str | Unset = UNSET
    api_key: str | Unset = secret(UNSET)
    api_environment: str | Unset = UNSET
    type: Literal["vector_database_pinecone"] = "vector_database_pinecone"
