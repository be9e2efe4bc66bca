-- Helpers of the QuickBooks transform. The runner sets the variables realm_id and run_id and
-- loads raw_page, prior_record, full_entity and account_concept_map before these files run.

-- stable_id() of ledgergraph.ids: sha256 of the parts joined by U+001F, 32 hex digits.
CREATE OR REPLACE MACRO lg_id(parts) AS substr(
    sha256(array_to_string(list_transform(parts, lambda p: coalesce(p, '')), chr(31))), 1, 32
);

-- A node id of this realm: stable_id("quickbooks", realm_id, entity, Id).
CREATE OR REPLACE MACRO qbo_node_id(entity, qbo_id) AS
    lg_id(['quickbooks', getvariable('realm_id'), entity, qbo_id]);

-- Exact amounts: the JSON number's text into a decimal, never through a double.
CREATE OR REPLACE MACRO money(j, path) AS
    TRY_CAST(json_extract_string(j, path) AS DECIMAL(38, 12));

CREATE OR REPLACE MACRO ts(j, path) AS
    TRY_CAST(json_extract_string(j, path) AS TIMESTAMPTZ);

CREATE OR REPLACE MACRO txt(j, path) AS json_extract_string(j, path);

CREATE OR REPLACE MACRO flag(j, path) AS TRY_CAST(json_extract(j, path) AS BOOLEAN);

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
