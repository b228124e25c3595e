"""Built-in check types, one module per family (listed in checker.engine.registry)."""
