"""``messagecenter watch-mail``: watch every IMAP e-mail connection (IDLE) in this process.

Scale-out runs it once beside the servers and workers (``serve`` runs the watcher itself when
it runs the jobs). Stops on SIGINT/SIGTERM.
"""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from messagecenter.transports.email.mailbox import Watcher


class Command(BaseCommand):
    help = "Watch the IMAP mailboxes of every active e-mail channel (IDLE) until stopped."

    def handle(self, *args, **options):
        stopped = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopped.set())
        watcher = Watcher().start()
        self.stdout.write("Watching the e-mail channels' mailboxes. Ctrl-C stops.")
        stopped.wait()
        watcher.stop()
