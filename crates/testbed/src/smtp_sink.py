"""An SMTP sink for hirundo-deliver's tests (aiosmtpd).

Usage: smtp_sink.py DIR PORT [USER:PASSWORD]

Listens on 127.0.0.1:PORT and accepts every message. Each one is saved in
DIR as N.eml (the bytes received) and N.json (envelope, the user that
authenticated, decoded subject and headers, and every leaf MIME part
decoded to text), the JSON written last and renamed into place so that a
reader never sees half of it. With USER:PASSWORD it offers AUTH (also
without TLS: loopback only) and refuses mail from anyone else. Runs until
killed.
"""

import email
import email.policy
import json
import logging
import os
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Save:
    def __init__(self, outdir):
        self.outdir = outdir
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        raw = envelope.original_content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        parts = [
            {
                "content_type": p.get_content_type(),
                "filename": p.get_filename(),
                # Attachments of non-text types come back as bytes; every
                # one hirundo sends is UTF-8 text.
                "text": text if isinstance(text := p.get_content(), str) else text.decode("utf-8", "replace"),
            }
            for p in msg.walk()
            if not p.is_multipart()
        ]
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "login": login,
            "content_type": msg.get_content_type(),
            "subject": str(msg["subject"]),
            "headers": {k: str(v) for k, v in msg.items()},
            "parts": parts,
        }
        with open(os.path.join(self.outdir, f"{n}.eml"), "wb") as f:
            f.write(raw)
        tmp = os.path.join(self.outdir, f".{n}.json.tmp")
        with open(tmp, "w") as f:
            json.dump(record, f)
        os.rename(tmp, os.path.join(self.outdir, f"{n}.json"))
        return "250 Message accepted for delivery"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    return check


def main():
    # aiosmtpd warns that AUTH without TLS is unsafe: true, and the reason
    # this sink listens on loopback only.
    warnings.filterwarnings("ignore", category=UserWarning)
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    outdir, port = sys.argv[1], int(sys.argv[2])
    options = {}
    if len(sys.argv) > 3:
        user, password = sys.argv[3].split(":", 1)
        options = dict(
            authenticator=authenticator(user, password),
            auth_required=True,
            auth_require_tls=False,
        )
    controller = Controller(Save(outdir), hostname="127.0.0.1", port=port, **options)
    controller.start()
    print("ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
