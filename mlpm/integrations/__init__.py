"""Boundaries to outside tools: git and Weights & Biases. Each module imports its heavy
library inside the functions that need it."""
