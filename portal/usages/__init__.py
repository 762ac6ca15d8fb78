"""Usages: the one code path from the usage ledger to the money engine, and its page."""
