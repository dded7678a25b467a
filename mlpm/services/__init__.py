"""The services layer: every rule of mlpm, shared by the CLI and the TUI."""
