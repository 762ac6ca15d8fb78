"""Dunning (issue 14, item 4): warn, then suspend an organization that does not pay; restore on payment.

* :mod:`portal.dunning.due` — the ONE seam to the payments ledger (what is overdue, what credit covers);
* :mod:`portal.dunning.policy` — pure decisions (when to warn, when to suspend, when to restore);
* :mod:`portal.dunning.service` — suspend / restore / exempt, the daily run, ``on_settled``;
* :mod:`portal.dunning.watcher` — converging Watcher (users ``disabled``, cameras on the live-only preset);
* :mod:`portal.dunning.mail` — the warning, suspended and restored notices (mail outbox composers).
"""
