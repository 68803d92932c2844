"""The e-mail channel: IMAP in, SMTP out, and the MIME around them."""
