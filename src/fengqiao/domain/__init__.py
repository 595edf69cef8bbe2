"""Domain values: vocabularies, parties, alerts, dossier items, actors and time; no I/O."""
