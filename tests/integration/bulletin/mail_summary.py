#!/usr/bin/python3
"""Summarises the messages of a Maildir (as aiosmtpd's Mailbox handler writes it) as JSON, for the
bulletin's integration tests: headers decoded, envelope (X-MailFrom, X-RcptTo), the MIME tree,
the text and HTML bodies, the inline image and the attachment (written beside the Maildir)."""
import email
import json
import mailbox
import os
import sys
from email import policy


def summarise(maildir):
    out = []
    box = mailbox.Maildir(maildir, factory=None, create=False)
    for n, key in enumerate(sorted(box.keys())):
        raw = box.get_bytes(key)
        msg = email.message_from_bytes(raw, policy=policy.default)
        tree = []

        def walk(part, depth):
            tree.append({
                "type": part.get_content_type(),
                "depth": depth,
                "content_id": part.get("Content-ID"),
                "disposition": part.get_content_disposition(),
                "filename": part.get_filename(),
                "charset": part.get_content_charset(),
            })
            if part.is_multipart():
                for sub in part.iter_parts():
                    walk(sub, depth + 1)

        walk(msg, 0)
        html = msg.get_body(preferencelist=("html",))
        text = msg.get_body(preferencelist=("plain",))
        png = b""
        pdf_path = ""
        for part in msg.walk():
            if part.get_content_type() == "image/png":
                png = part.get_payload(decode=True)
            if part.get_content_type() == "application/pdf":
                pdf_path = os.path.join(os.path.dirname(os.path.abspath(maildir)), f"part-{n}.pdf")
                with open(pdf_path, "wb") as f:
                    f.write(part.get_payload(decode=True))
        out.append({
            "message_id": msg["Message-ID"],
            "subject": str(msg["Subject"]),
            "from": str(msg["From"]),
            "to": [a.addr_spec for a in msg["To"].addresses],
            "to_names": [a.display_name for a in msg["To"].addresses],
            "mail_from": msg.get("X-MailFrom"),
            "rcpt_to": [a.strip() for a in msg.get("X-RcptTo", "").split(",") if a.strip()],
            "tree": tree,
            "html": html.get_content() if html is not None else "",
            "text": text.get_content() if text is not None else "",
            "png_size": len(png),
            "png_head": png[:8].hex(),
            "pdf": pdf_path,
            "raw_size": len(raw),
        })
    return out


if __name__ == "__main__":
    json.dump(summarise(sys.argv[1]), sys.stdout, ensure_ascii=False)
