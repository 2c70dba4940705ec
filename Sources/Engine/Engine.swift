// The Engine module. See docs/ARCHITECTURE.md.
