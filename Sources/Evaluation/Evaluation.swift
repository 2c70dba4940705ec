// The Evaluation module. See docs/ARCHITECTURE.md.
