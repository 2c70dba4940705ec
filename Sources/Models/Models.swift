// The Models module. See docs/ARCHITECTURE.md.
