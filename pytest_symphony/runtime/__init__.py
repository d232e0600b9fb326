"""Running beats: the handler registry, the run context, dynamics, timing, the conductor."""
