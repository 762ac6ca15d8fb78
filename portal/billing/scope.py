"""Who pays for whom: the scope of a parent's invoice and the payer of an organization's usage.

Both follow one rule (``invoice_to_parent`` climbs to the parent while the parent is known);
:func:`invoice_scope` sees it from the payer, :func:`payer_id` from the organization.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from .types import BillingOrg


def invoice_scope(parent: BillingOrg, orgs: Iterable[BillingOrg]) -> tuple[BillingOrg, ...]:
    """The parent followed by every organization whose usage lands on its invoice.

    A subsidiary is included when ``invoice_to_parent`` is set and its parent is
    in the scope (so a grandchild billed to a child billed to the parent joins
    too).  Cycles and repeated organizations are ignored.
    """
    children: dict[int, list[BillingOrg]] = defaultdict(list)
    for org in orgs:
        if org.invoice_to_parent and org.parent_id is not None and org.id != parent.id:
            children[org.parent_id].append(org)
    scope: dict[int, BillingOrg] = {parent.id: parent}
    queue = [parent.id]
    while queue:
        for child in sorted(children.get(queue.pop(0), []), key=lambda o: o.id):
            if child.id not in scope:
                scope[child.id] = child
                queue.append(child.id)
    return tuple(scope.values())


def payer_id(org_id: int, orgs: Mapping[int, BillingOrg]) -> int:
    """THE rule for who pays: the organization whose invoice carries ``org_id``'s usage.

    Climb while the organization is billed to its parent (``invoice_to_parent``)
    and the parent is known; the first one that pays itself pays.  A cycle stops
    the climb.  :func:`invoice_scope` is the same rule seen from the payer.
    """
    current, seen = org_id, {org_id}
    while True:
        org = orgs.get(current)
        if org is None or not org.invoice_to_parent or org.parent_id is None or org.parent_id not in orgs:
            return current
        if org.parent_id in seen:
            return current
        current = org.parent_id
        seen.add(current)
