// The Text module. See docs/ARCHITECTURE.md.
