"""Access withdrawn on one server process closes sockets on every process (several processes only).

The signals that close sockets (forum/services/signals.py) are sent in the process that handled
the request: a sign-out, a deactivation, a removal. With REDIS_URL set, this relay publishes each
of them on a Redis channel, and every other process re-sends it locally, where revocation.py (and
web/account.py) close the sockets that process holds.
"""

import json
import logging
import uuid

import redis
from flask import Flask

from forum.services.signals import participation_changed, session_ended, user_signed_out_everywhere

log = logging.getLogger(__name__)

SIGNALS = {
    "session_ended": session_ended,
    "participation_changed": participation_changed,
    "user_signed_out_everywhere": user_signed_out_everywhere,
}
RELAYED = object()  # the sender of a signal re-sent from another process (not published again)
RETRY_SECONDS = 1.0


class SignalRelay:
    """Publishes this process's access signals and re-sends the other processes' ones here."""

    def __init__(self, client: redis.Redis, channel: str):
        self.redis = client
        self.channel = channel
        self.origin = uuid.uuid4().hex  # this process
        self._forwarders = {name: self._forwarder(name) for name in SIGNALS}
        for name, signal in SIGNALS.items():
            signal.connect(self._forwarders[name])

    @classmethod
    def from_url(cls, url: str, channel: str) -> "SignalRelay":
        return cls(redis.Redis.from_url(url), f"{channel}:access-signals")

    def _forwarder(self, name: str):
        def forward(sender, **fields) -> None:
            if sender is RELAYED:
                return
            message = json.dumps({"signal": name, "origin": self.origin, "fields": fields})
            try:
                self.redis.publish(self.channel, message)
            except redis.RedisError:  # the local sockets are closed already; say the others may not be
                log.error("access signal %s not relayed to other processes: Redis unavailable", name)

        return forward

    def close(self) -> None:
        """Stop publishing (the listener ends with its process)."""
        for name, signal in SIGNALS.items():
            signal.disconnect(self._forwarders[name])

    def listen(self, app: Flask, sleep) -> None:
        """Re-send the other processes' signals here, for ever; reconnects after a Redis failure."""
        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(self.channel)
                for message in pubsub.listen():
                    self.receive(app, message.get("data"))
            except redis.RedisError:
                log.warning("access signal relay lost Redis; retrying")
                sleep(RETRY_SECONDS)

    def receive(self, app: Flask, data) -> bool:
        """Re-send one published signal here if another process sent it; whether it was re-sent."""
        try:
            message = json.loads(data)
            signal = SIGNALS[message["signal"]]
            origin, fields = message["origin"], dict(message["fields"])
        except (TypeError, ValueError, KeyError):
            log.warning("access signal relay ignored a malformed message")
            return False
        if origin == self.origin:
            return False
        with app.app_context():
            try:
                signal.send(RELAYED, **fields)
            except Exception:  # one bad message must not end the listener
                log.exception("access signal %s from another process failed here", message["signal"])
                return False
        return True
