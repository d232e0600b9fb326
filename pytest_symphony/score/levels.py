"""The dynamics levels, quietest first: a module of its own so that the plugin's options
can name them at every pytest start without importing the spec model."""

DYNAMICS: tuple[str, ...] = ("pp", "p", "mf", "f", "ff")
