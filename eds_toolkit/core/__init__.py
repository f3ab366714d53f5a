"""The service core every capability builds on: the typed service context, one refusal hierarchy,
the append-only audit log and one versioned compare-and-set. No Flask in here."""
