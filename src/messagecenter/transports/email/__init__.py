"""E-mail channel: pure mail reading (parse), writing (compose) and threading keys (threads)."""
