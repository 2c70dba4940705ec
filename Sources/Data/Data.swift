// The Data module. See docs/ARCHITECTURE.md.
