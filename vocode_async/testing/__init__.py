"""vocode_async.testing: a fake Vocode API server for your tests and ours.

It serves real HTTP on loopback from its own plain-JSON store, with deterministic seeds
and fault injection. It never imports vocode_async's models or converter.
"""

from ._data import Store
from ._faults import Fault, FaultKind, Faults
from ._server import FakeVocodeServer, RequestRecord

__all__ = ["FakeVocodeServer", "Fault", "FaultKind", "Faults", "RequestRecord", "Store"]
