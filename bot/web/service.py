"""The web app's parts wired together once per process: the database, the conversations, the child's side (messages
in, answers out, handoff, recovery) and the counsellor's (queue, actions). Routes and sockets reach them through it.
"""

from bot.web.chat.answers import Answers
from bot.web.chat.child_messages import ChildMessages
from bot.web.chat.handoff import Handoff
from bot.web.chat.recovery import Holding
from bot.web.console.actions import CounsellorActions
from bot.web.console.queue import QueueBroadcast
from bot.web.core.conversations import Conversations
from bot.web.core.database import Database
from bot.web.core.hours import CounsellorHours
from bot.web.core.hub import Hub
from bot.web.core.rasa import RasaClient


class ChatService:
    def __init__(self, engine, rasa: RasaClient, hub: Hub, hours: CounsellorHours):
        self.engine, self.rasa, self.hub, self.hours = engine, rasa, hub, hours
        self.database = Database(engine)
        # `service.db(work, ...)`: work(session, ...) in one transaction, in a worker thread
        self.db = self.database.run
        self.conversations = Conversations(self.database, hub)
        self.queue = QueueBroadcast(self.database, hub)
        self.handoff = Handoff(self.database, hub, hours, self.conversations, self.queue)
        self.answers = Answers(self.database, hub, rasa, self.conversations, self.handoff)
        holding = Holding(hub, self.conversations.regions)
        self.child_messages = ChildMessages(self.database, hub, hours, self.queue, self.answers, holding)
        self.counsellors = CounsellorActions(self.database, hub, self.conversations, self.queue)
