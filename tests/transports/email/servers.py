"""Real mail servers for the e-mail transport tests: a private Dovecot and a cutting TCP proxy.

Dovecot runs from Debian's ``dovecot-imapd`` with its own configuration, base_dir, Maildir and a
passwd-file of plain passwords, on 127.0.0.1 and a free port. It never uses system users for mail
or any path outside its temporary directory, so it runs the same as a developer and as root in CI
(as root, mail belongs to ``nobody`` and the login processes use the package's own users).
"""

from __future__ import annotations

import contextlib
import ctypes
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = Path("/usr/sbin/dovecot")
DOVEADM = Path("/usr/bin/doveadm")
USER = "support@acme.test"
PASSWORD = "imap-pass-Ω-123"


def free_port() -> int:
    """A port nothing listens on right now (the kernel's pick for a bound-then-closed socket)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float = 10.0, what: str = "condition"):
    """Poll ``condition`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


def make_mail(subject: str = "Hello", *, body: str = "Hi there", message_id: str | None = None):
    """A small text mail, as a customer would send it (raw bytes with CRLF line ends)."""
    mail = EmailMessage()
    mail["From"] = "Clara Kundin <clara@example.com>"
    mail["To"] = USER
    mail["Subject"] = subject
    mail["Message-ID"] = message_id or make_msgid(domain="example.com")
    mail.set_content(body)
    return mail.as_bytes(policy=mail.policy.clone(linesep="\r\n"))


def _mail_owner() -> tuple[int, int]:
    """Who owns the mail: ourselves, or (as root, which Dovecot refuses for mail) ``nobody``."""
    if os.geteuid() != 0:
        return os.getuid(), os.getgid()
    nobody = pwd.getpwnam("nobody")
    return nobody.pw_uid, nobody.pw_gid


def _process_users() -> str:
    """Running unprivileged, every Dovecot process must be ourselves; as root keep the defaults."""
    if os.geteuid() == 0:
        return ""
    me = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    return (
        f"default_internal_user = {me}\ndefault_login_user = {me}\n"
        f"default_internal_group = {group}\n"
    )


CONFIG = """\
{users}base_dir = {root}/run
state_dir = {root}/state
instance_name = mc-test-{port}
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
{tls}disable_plaintext_auth = no
auth_mechanisms = plain login
# Wrong-password tests must not slow down the next login: no delay, and (below) no socket for
# the per-IP penalty, which Dovecot then skips.
auth_failure_delay = 0
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
mail_uid = {uid}
mail_gid = {gid}
namespace inbox {{
  inbox = yes
  separator = /
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
service imap-login {{
  chroot =
}}
protocol imap {{
  imap_capability = {capability}
}}
"""


@dataclass
class Dovecot:
    """A running private Dovecot; ``connect()`` gives a logged-in IMAPClient for test set-up."""

    root: Path
    port: int
    process: subprocess.Popen | None = None
    host: str = "127.0.0.1"
    username: str = USER
    password: str = PASSWORD
    idle: bool = True
    tls: object | None = None  # a trustme certificate: TLS on port ``tls_port`` and STARTTLS
    tls_port: int = 0
    _config: Path = field(init=False)

    def start(self) -> Dovecot:
        uid, gid = _mail_owner()
        (self.root / "mail").mkdir(parents=True)
        os.chown(self.root / "mail", uid, gid)
        home = self.root / "home"
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}:{uid}:{gid}::{home}::\n")
        capability = "" if self.idle else _capabilities_without_idle()
        self._config = self.root / "dovecot.conf"
        self._config.write_text(
            CONFIG.format(
                users=_process_users(),
                root=self.root,
                port=self.port,
                uid=uid,
                gid=gid,
                capability=capability,
                tls=self._tls_settings(),
                tls_port=self.tls_port,
            )
        )
        self.process = subprocess.Popen(
            [str(DOVECOT), "-F", "-c", str(self._config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        wait_until(self._answers, timeout=15, what=f"Dovecot on port {self.port}")
        return self

    def _tls_settings(self) -> str:
        if self.tls is None:
            return "ssl = no\n"
        cert, key = self.root / "cert.pem", self.root / "key.pem"
        self.tls.private_key_and_cert_chain_pem.write_to_path(str(cert))
        self.tls.private_key_pem.write_to_path(str(key))
        return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n"

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            output = self.process.stdout.read().decode(errors="replace")
            raise RuntimeError(f"Dovecot exited ({self.process.returncode}): {output}{self.log()}")
        try:
            with socket.create_connection((self.host, self.port), timeout=1) as probe:
                return probe.recv(4).startswith(b"* OK")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # -- helpers for the tests ------------------------------------------------------------------

    def connect(self) -> IMAPClient:
        client = IMAPClient(self.host, self.port, ssl=False, timeout=10)
        client.plain_login(self.username, self.password)  # LOGIN would refuse the non-ASCII
        return client

    def reset(self, *folders: str) -> None:
        """Empty INBOX and delete every other folder: each test starts with a clean mailbox."""
        with self.connect() as client:
            for _flags, _sep, name in client.list_folders():
                if name != "INBOX":
                    client.delete_folder(name)
            client.select_folder("INBOX")
            uids = client.search(["ALL"])
            if uids:
                client.delete_messages(uids)
                client.expunge()
            for folder in folders:
                client.create_folder(folder)

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """Deliver one mail into ``folder``; returns its UID (from Dovecot's APPENDUID)."""
        with self.connect() as client:
            response = client.append(folder, raw)
        # b"[APPENDUID <uidvalidity> <uid>] Append completed."
        return int(response.split(b"]")[0].split()[-1])

    def expunge(self, uids: list[int], folder: str = "INBOX") -> None:
        with self.connect() as client:
            client.select_folder(folder)
            client.delete_messages(uids)
            client.uid_expunge(uids)

    def uidvalidity(self, folder: str = "INBOX") -> int:
        with self.connect() as client:
            return client.folder_status(folder, [b"UIDVALIDITY"])[b"UIDVALIDITY"]

    def change_uidvalidity(self, folder: str = "INBOX") -> int:
        """Give ``folder`` a new UIDVALIDITY, as a server does after rebuilding its index; the
        mails stay and get new UIDs. Returns the new UIDVALIDITY."""
        new = self.uidvalidity(folder) + 1000
        mail = self.root / "mail" / USER
        uidlist = mail / ("dovecot-uidlist" if folder == "INBOX" else f".{folder}/dovecot-uidlist")
        header, *entries = uidlist.read_text().splitlines()
        fields = [f"V{new}" if part.startswith("V") else part for part in header.split()]
        # Renumbering the entries from 1 makes every mail's UID new as well.
        renumbered = [f"{n} {line.split(' ', 1)[1]}" for n, line in enumerate(entries, start=1)]
        fields = [f"N{len(entries) + 1}" if part.startswith("N") else part for part in fields]
        uidlist.write_text("\n".join([" ".join(fields), *renumbered]) + "\n")
        for index in uidlist.parent.glob("dovecot.index*"):
            index.unlink()
        return new


def _die_with_parent() -> None:
    """If pytest is killed outright (no teardown), the kernel stops Dovecot with it (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def _capabilities_without_idle() -> str:
    """Dovecot's own post-login capabilities, minus IDLE: a server that cannot push."""
    return (
        "IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE SORT SORT=DISPLAY THREAD=REFERENCES "
        "THREAD=REFS THREAD=ORDEREDSUBJECT MULTIAPPEND URL-PARTIAL CATENATE UNSELECT CHILDREN "
        "NAMESPACE UIDPLUS LIST-EXTENDED I18NLEVEL=1 CONDSTORE QRESYNC ESEARCH ESORT "
        "SEARCHRES WITHIN CONTEXT=SEARCH LIST-STATUS BINARY MOVE SNIPPET=FUZZY "
        "PREVIEW=FUZZY PREVIEW STATUS=SIZE SAVEDATE LITERAL+ NOTIFY"
    )


def start_dovecot(*, idle: bool = True, tls=None) -> Dovecot:
    """A private Dovecot; with ``tls`` (a trustme certificate) it also speaks IMAPS on
    ``tls_port`` and offers STARTTLS, else it has no TLS at all."""
    root = Path(tempfile.mkdtemp(prefix="mc-dovecot-"))
    # Dovecot's unprivileged processes must reach their sockets and the mail below root.
    root.chmod(0o755)
    tls_port = free_port() if tls else 0
    return Dovecot(root=root, port=free_port(), idle=idle, tls=tls, tls_port=tls_port).start()


def remove_dovecot(server: Dovecot) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


class CuttingProxy:
    """A TCP proxy in front of a server that drops the first ``cuts`` connections once they
    have carried ``after_bytes`` bytes from the server, as a flaky network or a server restart
    does mid-fetch. It counts connections and records what clients sent."""

    def __init__(self, upstream: tuple[str, int], *, after_bytes: int, cuts: int = 1):
        self.upstream = upstream
        self.after_bytes = after_bytes
        self.cuts_left = cuts
        self.connections = 0
        self.cut = 0
        self.sent_by_clients = bytearray()
        self._open: list[socket.socket] = []
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._stopped = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                cut_after = self.after_bytes if self.cuts_left > 0 else None
                self.cuts_left -= 1
            server = socket.create_connection(self.upstream)
            with self._lock:
                self._open += [client, server]
            threading.Thread(target=self._pump_up, args=(client, server), daemon=True).start()
            threading.Thread(
                target=self._pump_down, args=(server, client, cut_after), daemon=True
            ).start()

    def _pump_up(self, client: socket.socket, server: socket.socket) -> None:
        try:
            while data := client.recv(65536):
                with self._lock:
                    self.sent_by_clients += data
                server.sendall(data)
        except OSError:
            pass
        finally:
            _close(server)

    def _pump_down(self, server: socket.socket, client: socket.socket, cut_after) -> None:
        carried = 0
        try:
            while data := server.recv(65536):
                if cut_after is not None and carried + len(data) > cut_after:
                    client.sendall(data[: cut_after - carried])
                    with self._lock:
                        self.cut += 1
                    return
                client.sendall(data)
                carried += len(data)
        except OSError:
            pass
        finally:
            _close(client)
            _close(server)

    def commands(self, name: bytes) -> int:
        """How many times clients sent the IMAP command ``name`` (e.g. b"IDLE")."""
        with self._lock:
            return sum(
                1 for line in bytes(self.sent_by_clients).split(b"\r\n") if line.endswith(name)
            )

    def drop(self) -> None:
        """Cut every open connection now, as a server restart or a NAT timeout does."""
        with self._lock:
            doomed, self._open = self._open, []
        for sock in doomed:
            _close(sock)

    def close(self) -> None:
        self._stopped.set()
        _close(self._listener)  # shutdown() first: it wakes the thread blocked in accept()
        self.drop()


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
