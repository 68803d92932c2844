"""Team pages: operators, notifications, personal settings and account settings."""
