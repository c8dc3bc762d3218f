"""Several web app instances as one: events and who is online shared over Redis (REDIS_URL).

Every instance delivers an event to its own connections at once, then publishes it on one Redis
channel; the others deliver it to theirs. So a counsellor on instance B sees a child on instance A
live. Each instance also writes who is connected to it (counsellors, children's chats) to a Redis
key that expires, every PRESENCE_SECONDS, and reads everyone else's.

Publishing never holds up a turn: events wait in an outbox that one task publishes in order, all
that waits at once in one round trip to Redis (a crowd makes several events a millisecond). If
Redis is away, each instance carries on alone: its own connections still get every event (every
message is stored first, so a page that reconnects misses nothing), the outbox drops what it cannot
publish without waiting on Redis again for RETRY_SECONDS, and the instance counts only its own
counsellors online, so a child may be told nobody is online and given the helplines instead.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid

import redis.asyncio as redis
from redis.exceptions import RedisError

from bot.web.core.hub import Counsellor, Hub

log = logging.getLogger(__name__)

CHANNEL = "bot:web-events"
PRESENCE_PREFIX = "bot:presence:"
PRESENCE_SECONDS = 2.0
# An instance that stops writing its presence is forgotten after this.
PRESENCE_TTL_SECONDS = 10
RETRY_SECONDS = 1.0
# Events waiting to be published; if Redis hangs this long a queue, the oldest go first.
OUTBOX_LIMIT = 10_000
# The most events published in one round trip.
BATCH_LIMIT = 500
STOP_SECONDS = 3.0


class RedisHub(Hub):
    def __init__(self, url: str):
        super().__init__()
        self.redis = redis.from_url(url, socket_timeout=2, socket_connect_timeout=2)
        self.instance = uuid.uuid4().hex[:12]
        self.elsewhere: dict[str, dict] = {}
        self.tasks: list[asyncio.Task] = []
        self.announcing: set[asyncio.Task] = set()
        self.outbox: asyncio.Queue = asyncio.Queue(maxsize=OUTBOX_LIMIT)
        self.redis_down_until = 0.0
        self.running = False

    async def start(self) -> None:
        self.running = True
        self.tasks = [
            asyncio.create_task(self._listen()),
            asyncio.create_task(self._share_presence()),
            asyncio.create_task(self._publish_outbox()),
        ]

    async def stop(self) -> None:
        # redis-py may turn a cancellation into a timeout error, which the loops retry: hence `running`,
        # and a bounded wait, so a hung Redis never holds up a shutdown.
        self.running = False
        for task in self.tasks:
            task.cancel()
        await asyncio.wait(self.tasks, timeout=STOP_SECONDS)
        with contextlib.suppress(RedisError, OSError, asyncio.TimeoutError):
            await asyncio.wait_for(self.redis.delete(PRESENCE_PREFIX + self.instance), STOP_SECONDS)
        await self.redis.close()

    # ---- events: here at once, then to the others
    async def to_child(self, conversation_id: str, event: dict) -> None:
        await super().to_child(conversation_id, event)
        self._publish({"to": "child", "conversation": conversation_id, "event": event})

    async def to_consoles(self, event: dict, watching: str | None = None) -> None:
        await super().to_consoles(event, watching)
        self._publish({"to": "consoles", "watching": watching, "event": event})

    def stop_watching(self, conversation_id: str, holder_id: int) -> None:
        """On every instance: a console elsewhere must stop seeing a chat someone here has just taken."""
        super().stop_watching(conversation_id, holder_id)
        self._publish({"to": "stop_watching", "conversation": conversation_id, "holder": holder_id})

    def _publish(self, envelope: dict) -> None:
        if self.outbox.full():
            self.outbox.get_nowait()
        self.outbox.put_nowait(json.dumps({**envelope, "from": self.instance}))

    async def _publish_outbox(self) -> None:
        while self.running:
            batch = [await self.outbox.get()]
            while not self.outbox.empty() and len(batch) < BATCH_LIMIT:
                batch.append(self.outbox.get_nowait())
            if time.monotonic() < self.redis_down_until:
                continue  # reached this instance's connections only
            try:
                await self._publish_now(batch)
            except (RedisError, OSError) as error:
                self.redis_down_until = time.monotonic() + RETRY_SECONDS
                log.warning(
                    "Redis unreachable (%s): events reach this instance's connections only", type(error).__name__
                )

    async def _publish_now(self, batch: list[str]) -> None:
        try:
            await self._publish_in_order(batch)
        except (RedisError, OSError):
            # A connection opened before Redis restarted fails once and is dropped; a new one may work.
            await self._publish_in_order(batch)

    async def _publish_in_order(self, batch: list[str]) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            for message in batch:
                pipe.publish(CHANNEL, message)
            await pipe.execute()

    async def _deliver(self, envelope: dict) -> None:
        if envelope.get("from") == self.instance:
            return
        if envelope["to"] == "presence":
            self.elsewhere = {**self.elsewhere, envelope["from"]: envelope["presence"]}
        elif envelope["to"] == "child":
            await super().to_child(envelope["conversation"], envelope["event"])
        elif envelope["to"] == "stop_watching":
            super().stop_watching(envelope["conversation"], envelope["holder"])
        else:
            await super().to_consoles(envelope["event"], envelope.get("watching"))

    async def _listen(self) -> None:
        while self.running:
            try:
                async with self.redis.pubsub() as pubsub:
                    await pubsub.subscribe(CHANNEL)
                    while self.running:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=5.0)
                        if message is not None:
                            await self._deliver(json.loads(message["data"]))
            except (RedisError, OSError) as error:
                log.warning("Redis subscription lost (%s); retrying", type(error).__name__)
                await asyncio.sleep(RETRY_SECONDS)

    # ---- presence: announced at once when it changes here, and refreshed every PRESENCE_SECONDS
    def add_console(self, socket, counsellor: Counsellor):
        console = super().add_console(socket, counsellor)
        self._announce_soon()
        return console

    def remove_console(self, socket) -> None:
        super().remove_console(socket)
        self._announce_soon()

    def add_child(self, conversation_id: str, socket) -> None:
        super().add_child(conversation_id, socket)
        self._announce_soon()

    def remove_child(self, conversation_id: str, socket) -> None:
        super().remove_child(conversation_id, socket)
        self._announce_soon()

    def _announce_soon(self) -> None:
        task = asyncio.get_running_loop().create_task(self._announce())
        self.announcing.add(task)
        task.add_done_callback(self.announcing.discard)

    def _presence_here(self) -> dict:
        return {"counsellors": [vars(c) for c in super().counsellors()], "chatting": list(super().chatting())}

    async def _announce(self) -> None:
        presence = self._presence_here()
        try:
            await self.redis.set(PRESENCE_PREFIX + self.instance, json.dumps(presence), ex=PRESENCE_TTL_SECONDS)
        except (RedisError, OSError):
            return
        self._publish({"to": "presence", "presence": presence})

    async def _share_presence(self) -> None:
        while self.running:
            await self._announce()
            try:
                found = {}
                async for key in self.redis.scan_iter(match=PRESENCE_PREFIX + "*"):
                    instance = key.decode()[len(PRESENCE_PREFIX) :]
                    value = await self.redis.get(key)
                    if instance != self.instance and value:
                        found[instance] = json.loads(value)
                self.elsewhere = found
            except (RedisError, OSError):
                self.elsewhere = {}  # on our own: count only what this instance sees
            await asyncio.sleep(PRESENCE_SECONDS)

    def counsellors(self) -> list[Counsellor]:
        everyone = {c.id: c for c in super().counsellors()}
        for presence in self.elsewhere.values():
            for counsellor in presence["counsellors"]:
                everyone.setdefault(counsellor["id"], Counsellor(**counsellor))
        return list(everyone.values())

    def chatting(self) -> list[str]:
        ids = dict.fromkeys(super().chatting())
        for presence in self.elsewhere.values():
            ids.update(dict.fromkeys(presence["chatting"]))
        return list(ids)
