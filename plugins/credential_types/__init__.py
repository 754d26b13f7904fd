"""Built-in credential types: one plugin per folder, each a set of YAML files."""
