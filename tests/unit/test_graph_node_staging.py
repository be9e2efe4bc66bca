"""Registering and staging files on the graph node (in-process, real DuckDB and LadybugDB)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
from test_graph_node_cases import (
    BOEING_10K,
    REVENUES,
    amazon_facts,
    boeing_facts,
    element,
    file_entry,
    filing_files,
    graph_rows,
    load_case_filing,
    register_and_stage,
    write_table,
)

from graph_node.errors import FileConflict, FileInvalid, InvalidRequest, TableNotFound, UnknownFile
from graph_node.service import GraphService
from graph_node.settings import NodeSettings
from graph_node.staging_db import registered
from ledgergraph.graph_schema import TABLES, arrow_schema
from ledgergraph.objectstore import S3ObjectStore


@pytest.fixture
def service(tmp_path: Path) -> Iterator[GraphService]:
    node = GraphService(NodeSettings(home=tmp_path))
    yield node
    node.close()


@pytest.fixture
def store(tmp_path: Path) -> Path:
    return tmp_path / "store"


def _register(service: GraphService, *entries: dict) -> list[str]:
    answer = service.register_files("sec", list(entries))
    return [f["file_id"] for f in answer["files"]]


def _registry(service: GraphService) -> dict[str, tuple]:
    rows = service.query_staging(
        "sec", "SELECT file_id, status, error, rows_staged FROM file_registry"
    )["rows"]
    return {row[0]: tuple(row[1:]) for row in rows}


def _staged_rows(service: GraphService, table: str) -> int:
    sql = f'SELECT count(*) FROM "{table}"'
    return service.query_staging("sec", sql)["rows"][0][0]


def test_registering_the_same_file_twice_returns_the_same_row(
    service: GraphService, store: Path
) -> None:
    path = filing_files(store, BOEING_10K, boeing_facts())["Fact"]
    entry = file_entry(path, "Fact", BOEING_10K)

    first = service.register_files("sec", [entry])["files"]
    again = service.register_files("sec", [entry])["files"]

    assert first == again
    assert first[0]["status"] == "registered" and first[0]["row_count"] == 3
    assert service.stats("sec")["files"]["registered"] == 1


def test_staging_loads_rows_tagged_with_the_file_id_and_skips_staged_files(
    service: GraphService, store: Path
) -> None:
    path = filing_files(store, BOEING_10K, boeing_facts())["Fact"]
    [file_id] = _register(service, file_entry(path, "Fact", BOEING_10K))

    first = service.stage_files("sec", [file_id])["files"]
    again = service.stage_files("sec", [file_id])["files"]

    expected = {"file_id": file_id, "table": "Fact", "rows_in_file": 3, "rows_staged": 3,
                "status": "staged"}  # fmt: skip
    assert first == again == [expected]
    revenue = service.query_staging(
        "sec",
        'SELECT value_decimal, decimals, file_id FROM "Fact" WHERE context_id = ? AND concept = ?',
        ["c-1", "us-gaap:Revenues"],
    )
    assert revenue["rows"] == [["77794000000", "-6", file_id]]


def test_a_wrong_column_type_fails_the_file_naming_file_and_column(
    service: GraphService, store: Path
) -> None:
    schema = arrow_schema(TABLES["Fact"])
    floats = schema.set(schema.get_field_index("value_decimal"), pa.field("value_decimal",
                        pa.float64()))  # fmt: skip
    rows = [dict(r, value_decimal=float(r["value_decimal"])) for r in boeing_facts()]
    path = write_table(store / "bad", "Fact", rows, schema=floats)
    [file_id] = _register(service, file_entry(path, "Fact", BOEING_10K))

    with pytest.raises(FileInvalid) as failure:
        service.stage_files("sec", [file_id])

    message = str(failure.value)
    assert file_id in message and "Fact" in message and "'value_decimal' is double" in message
    assert _registry(service)[file_id][:2] == ("failed", message)
    assert _staged_rows(service, "Fact") == 0


def test_a_duplicate_key_fails_the_call_and_stages_none_of_its_files(
    service: GraphService, store: Path
) -> None:
    files = filing_files(store, BOEING_10K, boeing_facts())
    revenues = element("us-gaap:Revenues")
    bad = write_table(store / "dup", "Element", [revenues, revenues])
    good_id, bad_id = _register(
        service,
        file_entry(files["Fact"], "Fact", BOEING_10K),
        file_entry(bad, "Element", BOEING_10K),
    )

    with pytest.raises(FileInvalid) as failure:
        service.stage_files("sec", [good_id, bad_id])

    assert bad_id in str(failure.value)
    assert "id='us-gaap:Revenues' (2 rows)" in str(failure.value)
    registry = _registry(service)
    assert registry[good_id] == ("registered", None, None)
    assert registry[bad_id][0] == "failed"
    assert _staged_rows(service, "Fact") == _staged_rows(service, "Element") == 0


def test_a_row_count_other_than_registered_fails_the_file(
    service: GraphService, store: Path
) -> None:
    path = filing_files(store, BOEING_10K, boeing_facts())["Fact"]
    [file_id] = _register(service, file_entry(path, "Fact", BOEING_10K, row_count=4))

    with pytest.raises(FileInvalid, match="3 rows in the file, 4 registered"):
        service.stage_files("sec", [file_id])


def test_a_null_key_fails_the_file_naming_the_column(service: GraphService, store: Path) -> None:
    rows = boeing_facts()
    rows[1]["id"] = None
    schema = pa.schema([f.with_nullable(True) for f in arrow_schema(TABLES["Fact"])])
    path = write_table(store / "null", "Fact", rows, schema=schema)
    [file_id] = _register(service, file_entry(path, "Fact", BOEING_10K))

    with pytest.raises(FileInvalid, match="column 'id' must not be null.*first at row 1"):
        service.stage_files("sec", [file_id])


def test_a_file_changed_after_registering_fails_its_checksum(
    service: GraphService, store: Path
) -> None:
    path = filing_files(store, BOEING_10K, boeing_facts())["Fact"]
    [file_id] = _register(service, file_entry(path, "Fact", BOEING_10K))
    write_table(path.parent, "Fact", boeing_facts()[:1])

    with pytest.raises(FileInvalid, match="checksum"):
        service.stage_files("sec", [file_id])


def test_registering_refuses_uris_outside_the_store_and_unknown_tables(
    service: GraphService, store: Path, tmp_path: Path
) -> None:
    inside = filing_files(store, BOEING_10K, boeing_facts())["Fact"]
    outside = write_table(tmp_path / "elsewhere", "Fact", boeing_facts())
    dotted = file_entry(inside, "Fact", BOEING_10K)
    dotted["uri"] = store.resolve().as_uri() + "/processed/../../elsewhere/Fact.parquet"
    (store / "linked").symlink_to(outside.parent, target_is_directory=True)
    linked = file_entry(outside, "Fact", BOEING_10K)
    linked["uri"] = (store / "linked" / "Fact.parquet").as_uri()

    for entry in (file_entry(outside, "Fact", BOEING_10K), dotted, linked):
        with pytest.raises(InvalidRequest, match="outside the configured object store|invalid"):
            service.register_files("sec", [entry])
    with pytest.raises(TableNotFound, match="'Facts'"):
        service.register_files("sec", [file_entry(inside, "Facts", BOEING_10K)])


def test_staging_an_unregistered_file_id_names_it(service: GraphService, store: Path) -> None:
    path = filing_files(store, BOEING_10K, boeing_facts())["Fact"]
    _register(service, file_entry(path, "Fact", BOEING_10K))

    with pytest.raises(UnknownFile, match="0" * 32):
        service.stage_files("sec", ["0" * 32])


def test_an_s3_file_is_downloaded_then_staged_and_a_missing_one_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    boto3 = pytest.importorskip("boto3")
    moto = pytest.importorskip("moto")
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1"),
                        ("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none")),
                        ("AWS_CONFIG_FILE", str(tmp_path / "none"))):  # fmt: skip
        monkeypatch.setenv(name, value)
    with moto.mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="processed-bucket")
        bucket = S3ObjectStore("s3://processed-bucket/ledgergraph", client)
        path = filing_files(tmp_path / "local", BOEING_10K, boeing_facts())["Fact"]
        present = dict(
            file_entry(path, "Fact", BOEING_10K),
            uri=bucket.put_file(f"processed/sec/{BOEING_10K}/Fact.parquet", path),
        )
        missing = dict(
            present,
            source_unit="0000012927-24-000011",
            uri=bucket.uri("processed/sec/0000012927-24-000011/Fact.parquet"),
        )
        node = GraphService(NodeSettings(home=tmp_path / "home"), object_store=bucket)
        try:
            # the graph exists once the present file is registered: it takes the missing one
            [good] = _register(node, present)
            [bad] = _register(node, missing)
            staged = node.stage_files("sec", [good])["files"]
            with pytest.raises(FileInvalid, match="no object at s3://processed-bucket/"):
                node.stage_files("sec", [bad])
        finally:
            node.close()  # fmt: skip

    assert staged[0]["rows_staged"] == 3


def test_a_source_unit_with_other_content_is_refused_until_it_is_deleted(
    service: GraphService, store: Path
) -> None:
    # The Amazon facts posing as Boeing's accession: a package whose filing.json lies.
    load_case_filing(service, store, BOEING_10K, boeing_facts())
    impostor = [dict(f, accession_number=BOEING_10K) for f in amazon_facts()]
    files = filing_files(store / "second-run", BOEING_10K, impostor)
    before = graph_rows(service)

    with pytest.raises(FileConflict) as refused:
        service.register_files("sec", [file_entry(p, t, BOEING_10K) for t, p in files.items()])

    message = str(refused.value)
    assert message.startswith(f"source unit {BOEING_10K} already has materialized ")
    assert "delete the source unit first to replace it" in message
    assert graph_rows(service) == before
    assert service.stats("sec")["files"]["registered"] == 0  # the whole call was refused

    service.delete_source("sec", BOEING_10K)
    ids = register_and_stage(service, "sec", files, BOEING_10K)
    assert len(ids) == len(files)


def test_an_early_checkpoint_another_write_holds_off_is_skipped_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph_node import staging_db

    db = staging_db.StagingDB(tmp_path / "staging.duckdb", read_only=False)
    try:
        monkeypatch.setattr(staging_db, "AUTO_CHECKPOINT_BYTES", 2)  # any log is "long"
        with db.transaction() as cur:
            cur.execute("CREATE TABLE counter (n INTEGER)")
            cur.execute("INSERT INTO counter VALUES (1)")
        pending = db.begin(what="an update left open")
        pending.run(lambda cur: cur.execute("UPDATE counter SET n = 2"))

        skipped = db.checkpoint_early()  # DuckDB: "Cannot CHECKPOINT: ... write transactions"
        pending.commit()
        done = db.checkpoint_early()
        with db.cursor() as cur:
            assert cur.execute("SELECT n FROM counter").fetchall() == [(2,)]
    finally:
        db.close()
    assert (skipped, done) == (False, True)


def test_registered_tables_are_read_in_the_block_and_gone_after_it_raised() -> None:
    boeing = pa.Table.from_pylist(boeing_facts())
    amazon = pa.Table.from_pylist(amazon_facts())
    sql = "SELECT max(value_decimal) FROM boeing_rows WHERE concept = ?"
    with duckdb.connect() as cur:
        with (
            pytest.raises(RuntimeError, match="inside the block"),
            registered(cur, {"boeing_rows": boeing, "amazon_rows": amazon}),
        ):
            assert cur.execute(sql, [REVENUES]).fetchall() == [(77794000000,)]
            assert cur.execute("SELECT count(*) FROM amazon_rows").fetchall() == [(2,)]
            raise RuntimeError("inside the block")
        for name in ("boeing_rows", "amazon_rows"):
            with pytest.raises(duckdb.CatalogException, match=name):
                cur.execute(f"SELECT * FROM {name}")


class _RecordingCursor:
    """Stands in for a DuckDB cursor: records what is registered and unregistered."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def register(self, name: str, table: pa.Table) -> None:
        self.calls.append(("register", name))

    def unregister(self, name: str) -> None:
        self.calls.append(("unregister", name))


def test_registered_unregisters_in_the_order_given() -> None:
    cur = _RecordingCursor()
    facts = pa.Table.from_pylist(boeing_facts())
    with registered(cur, {"before": facts, "after": facts}):  # type: ignore[arg-type]
        assert cur.calls == [("register", "before"), ("register", "after")]
    assert cur.calls[2:] == [("unregister", "before"), ("unregister", "after")]
