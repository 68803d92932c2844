"""Operator-facing pages: sign-in, security settings and the app shell."""
