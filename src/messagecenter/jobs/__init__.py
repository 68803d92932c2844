"""Resumable jobs: long work that survives a crash of the process doing it (see runner)."""
