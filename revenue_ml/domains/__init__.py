"""Per-domain model definitions: which features, which protocol, which models to register."""
