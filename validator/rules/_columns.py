"""Column facts that more than one rule needs, kept here so that no rule imports another."""

# Pseudo-types whose column gets its default from a sequence the same statement creates.
SERIAL = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})
