// The Training module. See docs/ARCHITECTURE.md.
