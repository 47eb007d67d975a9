"""Sending one email through the configured SMTP server (MAIL_* settings)."""

import smtplib
from email.message import EmailMessage


def deliver(message: EmailMessage, mail: dict) -> str | None:
    """Send message; None when sent, else the kind of failure (for a log line without personal data)."""
    try:
        with smtplib.SMTP(mail["MAIL_SERVER"], int(mail.get("MAIL_PORT") or 25), timeout=10) as smtp:
            if mail.get("MAIL_USE_TLS"):
                smtp.starttls()
            if mail.get("MAIL_USERNAME"):
                smtp.login(mail["MAIL_USERNAME"], mail.get("MAIL_PASSWORD") or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        return type(error).__name__
    return None
