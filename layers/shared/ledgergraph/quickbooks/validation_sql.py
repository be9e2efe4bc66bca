"""The SQL of ``validation``: each query returns the failures of one check, named.

They read the views ``v_lines``, ``v_transactions`` and ``v_accounts`` that ``validation``
points at the ledger's graph tables, and return columns named like ``ValidationFailure``'s
fields. Amounts are compared in the home currency, as decimals.
"""

from __future__ import annotations

# Postings of live (not deleted) transactions, signed: debit positive, credit negative.
_SIGNED = """
    SELECT l.*, t.qbo_id AS txn_qbo_id, t.doc_number,
        CASE WHEN l.posting_type = 'debit' THEN l.amount_home ELSE -l.amount_home END AS signed
    FROM v_lines AS l
    JOIN v_transactions AS t ON t.id = l.transaction_id
    WHERE NOT t.is_deleted
"""


def _exact_text(column: str) -> str:
    """SQL for a decimal's text with its trailing zeros dropped, two places kept at least
    (``414.721000000000`` -> ``414.721``, ``414.720000000000`` -> ``414.72``)."""
    return f"regexp_replace(CAST({column} AS VARCHAR), '(\\.[0-9]{{2}}[0-9]*?)0+$', '\\1')"


# A transaction whose postings are incomplete (a line rejected: ``v_incomplete``) is
# listed even when what is left balances.
UNBALANCED = f"""
WITH signed AS ({_SIGNED}),
sides AS (
    SELECT t.id, t.txn_type, t.qbo_id, t.doc_number, coalesce(r.rejected_lines, 0) AS rejected,
        coalesce(sum(s.amount_home) FILTER (WHERE s.posting_type = 'debit'), 0) AS debits,
        coalesce(sum(s.amount_home) FILTER (WHERE s.posting_type = 'credit'), 0) AS credits,
        coalesce(sum(s.amount) FILTER (WHERE s.posting_type = 'debit'), 0) AS debits_txn,
        coalesce(sum(s.amount) FILTER (WHERE s.posting_type = 'credit'), 0) AS credits_txn
    FROM v_transactions AS t
    LEFT JOIN signed AS s ON s.transaction_id = t.id
    LEFT JOIN v_incomplete AS r ON r.txn_type = t.txn_type AND r.qbo_id = t.qbo_id
    WHERE NOT t.is_deleted
    GROUP BY ALL
)
SELECT id AS transaction_id, txn_type, qbo_id, doc_number,
    debits AS amount, credits AS expected, nullif(rejected, 0) AS rejected_lines,
    'debits ' || CAST(debits AS DECIMAL(38, 2))
        || CASE WHEN debits = credits THEN ' = ' ELSE ' <> ' END || 'credits '
        || CAST(credits AS DECIMAL(38, 2))
        -- home amounts are rounded to the cent (to_home); the transaction's own amounts may
        -- still differ (by a fraction of a cent): then every digit of them is named
        || CASE WHEN debits = credits AND debits_txn <> credits_txn
            THEN ' in the home currency, but debits ' || {_exact_text("debits_txn")}
                || ' <> credits ' || {_exact_text("credits_txn")} || ' in its own'
            ELSE '' END
        || CASE WHEN rejected > 0
            THEN ', but ' || rejected || CASE WHEN rejected = 1 THEN ' line' ELSE ' lines' END
                || ' rejected: its postings are incomplete'
            ELSE '' END AS detail
FROM sides
WHERE debits <> credits OR debits_txn <> credits_txn OR rejected > 0
ORDER BY txn_type, qbo_id
"""

TRIAL_BALANCE = f"WITH signed AS ({_SIGNED}) SELECT coalesce(sum(signed), 0) FROM signed"

CURRENCY = """
SELECT l.transaction_id, l.txn_type, t.qbo_id, t.doc_number, l.account_qbo_id AS account,
    l.amount_home AS amount, round(l.amount * coalesce(l.exchange_rate, 1), 2) AS expected,
    'line ' || l.line_number || ': amount_home is not amount x exchange_rate' AS detail
FROM v_lines AS l
JOIN v_transactions AS t ON t.id = l.transaction_id
WHERE abs(l.amount_home - l.amount * coalesce(l.exchange_rate, 1)) > 0.01
UNION ALL
SELECT t.id, t.txn_type, t.qbo_id, t.doc_number, NULL,
    t.total_amount_home, round(t.total_amount * coalesce(t.exchange_rate, 1), 2),
    'total_amount_home is not total_amount x exchange_rate'
FROM v_transactions AS t
WHERE abs(t.total_amount_home - t.total_amount * coalesce(t.exchange_rate, 1)) > 0.01
ORDER BY 2, 3
"""

# QuickBooks' CurrentBalance of a balance-sheet account is debit minus credit, home currency.
# Retained Earnings is skipped: QuickBooks closes each year's income into it implicitly.
ACCOUNT_BALANCES = f"""
WITH signed AS ({_SIGNED}),
balance AS (SELECT account_qbo_id, sum(signed) AS ledger FROM signed GROUP BY 1)
SELECT a.qbo_id AS account, coalesce(b.ledger, 0) AS amount, a.current_balance AS expected,
    a.name || ': ledger balance (debit - credit) differs from QuickBooks CurrentBalance'
        AS detail
FROM v_accounts AS a
LEFT JOIN balance AS b ON b.account_qbo_id = a.qbo_id
WHERE a.classification IN ('Asset', 'Liability', 'Equity')
    AND NOT a.is_deleted AND NOT a.is_synthetic AND a.current_balance IS NOT NULL
    AND coalesce(a.account_subtype, '') <> 'RetainedEarnings'
    AND abs(coalesce(b.ledger, 0) - a.current_balance) >= 0.01
ORDER BY a.qbo_id
"""

# $1 report name, $2 start date, $3 end date. Balance-sheet accounts accumulate up to the end
# date, income and expense accounts over the period. A TrialBalance row is debit minus
# credit; BalanceSheet and ProfitAndLoss rows carry the account's normal sign.
REPORT_VS_LEDGER = f"""
WITH signed AS ({_SIGNED}),
summed AS (
    SELECT r.account_qbo_id, r.label, r.amount AS reported, a.qbo_id AS known,
        CASE WHEN $1 = 'TrialBalance' OR a.normal_balance = 'debit' THEN 1 ELSE -1 END
            AS sign,
        coalesce(sum(s.signed) FILTER (
            WHERE s.txn_date <= CAST($3 AS DATE)
              AND (a.classification NOT IN ('Revenue', 'Expense')
                   OR s.txn_date >= CAST($2 AS DATE))), 0) AS debit_minus_credit
    FROM report_rows AS r
    LEFT JOIN v_accounts AS a ON a.qbo_id = r.account_qbo_id
    LEFT JOIN signed AS s ON s.account_qbo_id = r.account_qbo_id
    WHERE $1 = 'ProfitAndLoss' OR coalesce(a.account_subtype, '') <> 'RetainedEarnings'
    GROUP BY r.account_qbo_id, r.label, r.amount, a.qbo_id, a.normal_balance
)
SELECT account_qbo_id AS account, sign * debit_minus_credit AS amount, reported AS expected,
    CASE WHEN known IS NULL THEN label || ': account not in the ledger'
         ELSE label || ': ledger differs from the report' END AS detail
FROM summed
WHERE known IS NULL OR abs(sign * debit_minus_credit - reported) >= 0.01
ORDER BY account_qbo_id
"""
