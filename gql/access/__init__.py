"""Access control: credentials (API keys, JWT) -> a principal with scopes, and documents."""
