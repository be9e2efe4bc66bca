"""The fidelity check: every filing in the graph against Arelle's own export of it.

``ledgergraph verify`` reads each Report's facts back from the graph (Cypher, the way a user
would), loads the same filing package from the raw store with Arelle, saves it with Arelle's
own OIM (xBRL-JSON) saver, and compares fact by fact: concept, entity, period, unit,
dimensions, exact value, decimals (and language where the OIM export states one).
"""

from xbrl_task.verify.run import FilingCheck, VerifyReport, verify_graph

__all__ = ["FilingCheck", "VerifyReport", "verify_graph"]
