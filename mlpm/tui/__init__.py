"""The terminal UI (Textual). Nothing outside this package imports textual."""
