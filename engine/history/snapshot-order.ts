// Whether a snapshot lists its entries (and its member view) in the order the
// contract says: sorted by key (member id), in code-unit order, the order
// Version's origin comparison uses too (gossip.proto, Snapshot). The lockstep
// runner records entries sorted whatever the node sent, so every check sees
// one order; what the node got wrong is kept beside them (`unsorted`).

/** The first place `ids` is not strictly ascending in code-unit order, or undefined. */
export function orderProblem(ids: readonly string[]): string | undefined {
  for (let i = 1; i < ids.length; i++) {
    const a = ids[i - 1];
    const b = ids[i];
    if (a === b) return `${JSON.stringify(a)} listed twice`;
    if (a > b) return `${JSON.stringify(a)} listed before ${JSON.stringify(b)}`;
  }
  return undefined;
}

/** What is out of order in a snapshot as the node sent it, or undefined when it is sorted. */
export function snapshotOrderProblem(s: {
  entries: readonly { key: string }[];
  members?: readonly string[];
  memberView?: readonly { id: string }[];
}): string | undefined {
  const entries = orderProblem(s.entries.map((e) => e.key));
  if (entries) return `entries: ${entries}`;
  const members = Array.isArray(s.members) ? orderProblem(s.members.map(String)) : undefined;
  if (members) return `members: ${members}`;
  const view = s.memberView ? orderProblem(s.memberView.map((m) => String(m.id))) : undefined;
  return view ? `member view: ${view}` : undefined;
}
