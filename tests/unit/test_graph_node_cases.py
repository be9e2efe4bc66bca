"""Shared cases of the graph node tests: real facts as graph-shaped Parquet. No tests here.

Values are from two bundled filings (shared/data/sec):
- Boeing 10-K for 2023, accession 0000012927-24-000010, CIK 12927: us-gaap:Revenues
  77,794 million USD for 2023 (context c-1, fact f-42) and 66,608 million for 2022 (c-10,
  f-43); us-gaap:NetIncomeLoss -2,222 million for 2023 (c-1, f-90); all decimals -6.
- Amazon 10-K for 2022, accession 0001018724-23-000004, CIK 1018724: NetIncomeLoss -2,722
  million and RevenueFromContractWithCustomerExcludingAssessedTax 513,983 million for 2022.
Both filings share the NetIncomeLoss element, the 2022 period and the USD unit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from ledgergraph.graph_schema import TABLES, all_columns, arrow_schema
from ledgergraph.ids import stable_id

BOEING_10K = "0000012927-24-000010"
AMAZON_10K = "0001018724-23-000004"
BOEING_CIK = "0000012927"
AMAZON_CIK = "0001018724"
FY2023 = "2023-01-01..2023-12-31"
FY2022 = "2022-01-01..2022-12-31"
USD = "iso4217:USD"
REVENUES = "us-gaap:Revenues"
NET_INCOME = "us-gaap:NetIncomeLoss"
AMAZON_REVENUE = "us-gaap:RevenueFromContractWithCustomerExcludingAssessedTax"


def fact(report: str, entity: str, concept: str, period: str, value: str, **kw: str) -> dict:
    """A numeric USD fact reported in millions (decimals -6), id from its content."""
    return {
        "id": stable_id(report, concept, entity, period, "", USD, "", value, "-6"),
        "accession_number": report,
        "concept": concept,
        "value_text": value,
        "value_decimal": Decimal(value),
        "decimals": "-6",
        "precision": None,
        "is_nil": False,
        "is_numeric": True,
        "language": None,
        "fact_xml_id": kw.get("xml_id"),
        "context_id": kw.get("context"),
    }


def element(concept: str) -> dict[str, Any]:
    _, local = concept.split(":")
    return {
        "id": concept,
        "qname": concept,
        "namespace": "http://fasb.org/us-gaap/2023",
        "local_name": local,
        "data_type": "xbrli:monetaryItemType",
        "substitution_group": "xbrli:item",
        "period_type": "duration",
        "balance": "credit",
        "is_abstract": False,
        "is_nillable": True,
        "is_standard": True,
    }


def period(period_id: str) -> dict[str, Any]:
    start, end = period_id.split("..")
    return {
        "id": period_id,
        "period_type": "duration",
        "start_date": dt.date.fromisoformat(start),
        "end_date": dt.date.fromisoformat(end),
    }


USD_UNIT = {"id": USD, "numerator": USD, "denominator": None}


def boeing_facts() -> list[dict[str, Any]]:
    return [
        fact(BOEING_10K, BOEING_CIK, REVENUES, FY2023, "77794000000", context="c-1",
             xml_id="f-42"),
        fact(BOEING_10K, BOEING_CIK, REVENUES, FY2022, "66608000000", context="c-10",
             xml_id="f-43"),
        fact(BOEING_10K, BOEING_CIK, NET_INCOME, FY2023, "-2222000000", context="c-1",
             xml_id="f-90"),
    ]  # fmt: skip


AMAZON_FY2022_CONTEXT = "i66a08f9a87424ace8d8c03c38fb30db9_D20220101-20221231"
PERIOD_OF_CONTEXT = {"c-1": FY2023, "c-10": FY2022, AMAZON_FY2022_CONTEXT: FY2022}


def amazon_facts() -> list[dict[str, Any]]:
    context = AMAZON_FY2022_CONTEXT
    return [
        fact(AMAZON_10K, AMAZON_CIK, NET_INCOME, FY2022, "-2722000000", context=context),
        fact(AMAZON_10K, AMAZON_CIK, AMAZON_REVENUE, FY2022, "513983000000", context=context),
    ]


def write_table(
    folder: Path, table: str, rows: list[dict[str, Any]], *, schema: pa.Schema | None = None
) -> Path:
    """Rows as a Parquet file with the table's exact Arrow schema (or ``schema``).

    Non-null columns a case does not mention get a plain value (``with_required``), so the
    cases keep to the facts they are about as the schema grows.
    """
    schema = schema or arrow_schema(TABLES[table])
    rows = [with_required(table, row) for row in rows]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{table}.parquet"
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)
    return path


_PLAIN = {"STRING": "", "INT64": 1, "BOOLEAN": False}


def with_required(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """``row`` with a plain value in every non-null column it leaves out."""
    missing = {
        c.name: _PLAIN[c.type]
        for c in all_columns(TABLES[table])
        if not c.nullable and c.name not in row and c.type in _PLAIN
    }
    return {**missing, **row}


def file_entry(path: Path, table: str, source_unit: str, **kw: Any) -> dict[str, Any]:
    """A register request entry for ``path``: row count and checksum read from the file."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {
        "table": table,
        "uri": path.resolve().as_uri(),
        "source_unit": source_unit,
        "row_count": kw.get("row_count", pq.read_metadata(path).num_rows),
        "checksum": f"sha256:{digest}",
    }


def filing_files(store: Path, source_unit: str, facts: list[dict[str, Any]]) -> dict[str, Path]:
    """The node and relationship files of one filing under ``processed/sec/{unit}/``."""
    folder = store / "processed" / "sec" / source_unit
    concepts = sorted({f["concept"] for f in facts})
    periods = sorted({PERIOD_OF_CONTEXT[f["context_id"]] for f in facts})
    return {
        "Fact": write_table(folder, "Fact", facts),
        "Element": write_table(folder, "Element", [element(c) for c in concepts]),
        "Period": write_table(folder, "Period", [period(p) for p in periods]),
        "Unit": write_table(folder, "Unit", [USD_UNIT]),
        "FACT_HAS_ELEMENT": write_table(
            folder, "FACT_HAS_ELEMENT", [{"from": f["id"], "to": f["concept"]} for f in facts]
        ),
        "FACT_HAS_PERIOD": write_table(
            folder,
            "FACT_HAS_PERIOD",
            [{"from": f["id"], "to": PERIOD_OF_CONTEXT[f["context_id"]]} for f in facts],
        ),
    }


LOAD_ORDER_OF_CASES = ("Fact", "Element", "Period", "Unit", "FACT_HAS_ELEMENT",
                       "FACT_HAS_PERIOD")  # fmt: skip


def register_and_stage(
    service: Any, graph_id: str, files: dict[str, Path], unit: str
) -> dict[str, str]:
    """Register and stage a filing's files; the file ids by table."""
    entries = [file_entry(path, table, unit) for table, path in files.items()]
    answer = service.register_files(graph_id, entries)["files"]
    ids = {f["table"]: f["file_id"] for f in answer}
    service.stage_files(graph_id, list(ids.values()))
    return ids


def load_case_filing(service: Any, store: Path, unit: str, facts: list) -> dict[str, str]:
    """Register, stage and materialize one hand-made filing; the file ids by table."""
    ids = register_and_stage(service, "sec", filing_files(store, unit, facts), unit)
    for table in LOAD_ORDER_OF_CASES:
        service.materialize("sec", table, [ids[table]])
    return ids


def graph_rows(service: Any, graph_id: str = "sec") -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the graph, sorted by key (for whole-graph comparisons)."""
    store = service.graph(graph_id).store
    return {name: store.dump(table).to_pylist() for name, table in TABLES.items()}
