"""Jobs that spread over several hosts: the billing run in batches and the Watcher pull.

Without ``JOB_BROKER_URL`` everything runs in-process as it always did (``make run``
needs nothing new).  With a Redis broker, ``flask billing run`` and ``flask watcher
sync`` hand their work to workers (``flask jobs worker``, one or more per host) through
Dramatiq (see :mod:`portal.jobs.queue`) and wait for the reports.
"""
