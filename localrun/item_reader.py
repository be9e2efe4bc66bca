"""A distributed Map's ItemReader on this machine: ``s3:getObject`` from the local store.

On AWS the download Map reads its items from the store bucket; locally the store is a
folder, so each bucket of template.yaml gets a local stand-in name (its DefinitionSubstitutions
value) and ``serve_buckets`` answers moto's ItemReader for those names from the object store
that plays the bucket. Any other bucket name still goes to moto's S3, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto.stepfunctions.parser.asl.component.state.exec.state_map.item_reader.eval import (
    resource_eval_s3,
)

from ledgergraph.objectstore import ObjectStore
from localrun.template import resources_of_type

BUCKET_TYPE = "AWS::S3::Bucket"

_ReaderS3 = resource_eval_s3.ResourceEvalS3
_original_get_object = _ReaderS3._handle_get_object
_buckets: dict[str, ObjectStore] = {}
_lock = threading.Lock()


def bucket_stand_ins(template: dict[str, Any]) -> dict[str, str]:
    """A local bucket name for each bucket of the template, by logical id."""
    return {
        name: f"ledgergraph-local-{name.lower()}"
        for name in resources_of_type(template, BUCKET_TYPE)
    }


def _get_object(env: Any, resource_runtime_part: Any, state_credentials: Any) -> None:
    parameters = env.stack[-1]
    with _lock:
        store = _buckets.get(parameters.get("Bucket"))
    if store is None:
        _original_get_object(env, resource_runtime_part, state_credentials)
        return
    env.stack.pop()
    env.stack.append(store.get_bytes(parameters["Key"]).decode("utf-8"))


@contextmanager
def serve_buckets(buckets: dict[str, ObjectStore]) -> Iterator[None]:
    """While the block runs, ItemReaders of these bucket names read these stores.

    A key that is not in the store raises ``ObjectNotFound``, which fails the Map state as
    a missing S3 object would.
    """
    with _lock:
        _buckets.update(buckets)
        _ReaderS3._handle_get_object = staticmethod(_get_object)
    try:
        yield
    finally:
        with _lock:
            for name in buckets:
                _buckets.pop(name, None)
            if not _buckets:
                _ReaderS3._handle_get_object = staticmethod(_original_get_object)
