"""Presence shared by several server processes through Redis: who is in a forum, on any process.

Each process publishes its own people in a forum (one hash field per process) and keeps an
"alive" key with a short expiry fresh; readers skip the fields of processes whose key expired, so
the people of a crashed process drop out within PROCESS_TTL seconds. Without REDIS_URL there is one
process and presence stays in its memory (Room.people).
"""

import json
import logging
import os
import socket
import uuid
from collections.abc import Callable

import redis
from sqlalchemy import select

from forum.extensions import db
from forum.models import Participant

log = logging.getLogger(__name__)

PROCESS_TTL = 15  # seconds an unrefreshed process still counts as alive (and a forum's presence hash)
BEAT_EVERY = 5


def merge_people(people: list[dict]) -> list[dict]:
    """One line per user, the most recent focus wins; sorted by name (as Room.people)."""
    by_user: dict[int, dict] = {}
    for person in people:
        if person["user"] not in by_user or person["editing"] is not None:
            by_user[person["user"]] = person
    return sorted(by_user.values(), key=lambda p: (p["name"], p["user"]))


def participant_roles(forum_id: int) -> dict[int, str]:
    """Each participant's forum role now (roles change by chair handover on any process)."""
    rows = db.session.execute(
        select(Participant.user_id, Participant.role).where(Participant.forum_id == forum_id)
    ).all()
    db.session.commit()  # end the read transaction
    return {row.user_id: row.role.value for row in rows}


class SharedPresence:
    """Presence in Redis: this process's people per forum, merged with every live process's."""

    def __init__(self, client: redis.Redis, channel: str, process_id: str | None = None):
        self.redis = client
        self.prefix = channel  # the deployment's SOCKETIO_CHANNEL: deployments sharing a Redis stay apart
        self.process = process_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.forums: set[int] = set()  # forums where this process has people (their hashes kept alive)

    @classmethod
    def from_url(cls, url: str, channel: str) -> "SharedPresence":
        return cls(redis.Redis.from_url(url), channel)

    def _forum_key(self, forum_id: int) -> str:
        return f"{self.prefix}:presence:{forum_id}"

    def _alive_key(self, process: str) -> str:
        return f"{self.prefix}:alive:{process}"

    def beat(self) -> None:
        """Say this process is alive for another PROCESS_TTL seconds, and keep its forums' presence."""
        with self.redis.pipeline() as pipe:
            pipe.set(self._alive_key(self.process), "1", ex=PROCESS_TTL)
            for forum_id in list(self.forums):
                pipe.expire(self._forum_key(forum_id), PROCESS_TTL)
            pipe.execute()

    def keep_alive(self, sleep: Callable[[float], object]) -> None:
        """Beat every BEAT_EVERY seconds, for ever (a background task of the server)."""
        while True:
            try:
                self.beat()
            except redis.RedisError as error:
                log.warning("presence heartbeat failed (%s)", type(error).__name__)
            sleep(BEAT_EVERY)

    def everyone(self, forum_id: int, mine: list[dict]) -> list[dict]:
        """Publish this process's people in a forum; return everyone in it on live processes."""
        key = self._forum_key(forum_id)
        with self.redis.pipeline() as pipe:
            pipe.set(self._alive_key(self.process), "1", ex=PROCESS_TTL)
            if mine:
                pipe.hset(key, self.process, json.dumps(mine))
                pipe.expire(key, PROCESS_TTL)  # outlives no process: every live one refreshes it
                self.forums.add(forum_id)
            else:
                pipe.hdel(key, self.process)
                self.forums.discard(forum_id)
            pipe.hgetall(key)
            published = pipe.execute()[-1]
        processes = [process.decode() for process in published]
        alive = self.redis.mget([self._alive_key(process) for process in processes]) if processes else []
        people: list[dict] = []
        for process, flag in zip(processes, alive, strict=True):
            if flag is None:
                self.redis.hdel(key, process)  # a process that died without saying goodbye
                continue
            people.extend(json.loads(published[process.encode()]))
        return merge_people(people)
