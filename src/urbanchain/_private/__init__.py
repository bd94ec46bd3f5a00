"""Internals of urbanchain: not part of the public API and may change without notice."""
