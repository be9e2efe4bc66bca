-- Helpers of the QuickBooks transform. The runner sets the variables realm_id, run_id,
-- max_record_nesting and too_deep_key, and loads raw_page, prior_record, full_entity,
-- account_concept_map, required_field and owned_field before these files run.

-- stable_id() of ledgergraph.ids: sha256 of the parts joined by U+001F, 32 hex digits.
CREATE OR REPLACE MACRO lg_id(parts) AS substr(
    sha256(array_to_string(list_transform(parts, lambda p: coalesce(p, '')), chr(31))), 1, 32
);

-- A node id of this realm: stable_id("quickbooks", realm_id, entity, Id).
CREATE OR REPLACE MACRO qbo_node_id(entity, qbo_id) AS
    lg_id(['quickbooks', getvariable('realm_id'), entity, qbo_id]);

-- Values are read strictly: text not written the way QuickBooks writes the value reads as
-- null, and 15_values.sql rejects the record holding it. DuckDB's own casts are lenient: a
-- DATE takes 'infinity', 'epoch', '-2024-01-15' (2025 BC) and a time of day, a BIGINT
-- '1.5' (2), '0x10' (16) and '1_000', a DECIMAL ' 1e3 ' and '1_000', a BOOLEAN 'yes' and 2;
-- and the engine dies of SIGSEGV reading back a date or time outside years 0001 to 9999
-- (graph_node/copy_guard.py).

-- A number as JSON writes it (no '+', no '.5' or '5.', no blanks), an exponent of at most
-- four digits. How many digits it needs is checked in 15_values.sql.
CREATE OR REPLACE MACRO number_pattern() AS
    '-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]{1,4})?';

-- Digits only (a SyncToken), at most 18 of them, so it fits a BIGINT.
CREATE OR REPLACE MACRO as_whole(t) AS CASE
    WHEN regexp_full_match(t, '[0-9]{1,18}') THEN TRY_CAST(t AS BIGINT)
END;

-- A calendar day YYYY-MM-DD of years 0001 to 9999.
CREATE OR REPLACE MACRO as_date(t) AS CASE
    WHEN regexp_full_match(t, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND t >= '0001-01-01'
        THEN TRY_CAST(t AS DATE)
END;

-- An instant as QuickBooks writes it: YYYY-MM-DDThh:mm:ss, optional fraction of up to
-- microseconds (what TIMESTAMP keeps), then Z or a UTC offset; in years 0001 to 9999 in UTC.
CREATE OR REPLACE MACRO as_instant(t) AS CASE
    WHEN regexp_full_match(t, '[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:'
            || '[0-5][0-9](\.[0-9]{1,6})?(Z|[-+]([01][0-9]|2[0-3]):[0-5][0-9])')
        AND TRY_CAST(t AS TIMESTAMPTZ) BETWEEN TIMESTAMPTZ '0001-01-01 00:00:00+00'
            AND TIMESTAMPTZ '9999-12-31 23:59:59.999999+00'
        THEN TRY_CAST(t AS TIMESTAMPTZ)
END;

-- Exact amounts: the JSON number's text into a decimal, never through a double.
CREATE OR REPLACE MACRO money(j, path) AS CASE
    WHEN regexp_full_match(json_extract_string(j, path), number_pattern())
        THEN TRY_CAST(json_extract_string(j, path) AS DECIMAL(38, 12))
END;

CREATE OR REPLACE MACRO calendar_day(j, path) AS as_date(json_extract_string(j, path));

CREATE OR REPLACE MACRO txt(j, path) AS json_extract_string(j, path);

-- JSON true or false only: a string ("true", "yes") or a number is no flag.
CREATE OR REPLACE MACRO flag(j, path) AS CASE
    WHEN json_type(j, path) = 'BOOLEAN' THEN CAST(json_extract(j, path) AS BOOLEAN)
END;

-- A sparse record's top-level fields without nulls: a sparse update never blanks a field.
CREATE OR REPLACE MACRO drop_null_fields(j) AS (
    SELECT coalesce(json_group_object(k, json_extract(j, '$."' || k || '"')), '{}')
    FROM unnest(json_keys(j)) AS t(k)
    WHERE json_type(j, '$."' || k || '"') <> 'NULL'
);

-- To the cent, in the home currency.
CREATE OR REPLACE MACRO to_home(amount, rate) AS CAST(
    round(CAST(amount AS DECIMAL(24, 6)) * CAST(rate AS DECIMAL(18, 10)), 2) AS DECIMAL(38, 12)
);
