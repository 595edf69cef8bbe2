"""The lifecycle: states, triggers, payloads, events, the fold, the graph and its machine."""
