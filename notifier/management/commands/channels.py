"""``manage.py channels``: a subscription's alert channels from a shell (scripts rely on it).

    channels add --email ADDR --url URL   add a channel and send it the test message; prints
                                          "id: N" and, for a webhook, "secret: whsec_..."
    channels list --email ADDR            one line per channel: id, status, kind, where
    channels test ID                      send the test message again (a paused channel that
                                          accepts it is active again)
    channels remove ID

A plain ``http(s)://`` URL is a generic webhook, an Apprise URL (``slack://...``,
``discord://...``, ``ntfy://...``) a chat. ``add`` exits with an error, after printing the id
and secret, when the test message was not accepted: the channel is kept, not active.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from deprecations import clock
from notifier.channels import BadChannel, lifecycle
from notifier.models import Channel, Subscriber


class Command(BaseCommand):
    help = "Add, list, test and remove the alert channels (webhooks, chats) of a subscription."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="add a channel and send it a test message")
        add.add_argument("--email", required=True, help="the confirmed subscription's address")
        add.add_argument("--url", required=True,
                         help="http(s)://... for a webhook, or an Apprise URL for a chat")
        listing = actions.add_parser("list", help="the channels of a subscription")
        listing.add_argument("--email", required=True)
        for name, what in (("test", "send the test message again"),
                           ("remove", "remove a channel")):
            action = actions.add_parser(name, help=what)
            action.add_argument("id", type=int, metavar="ID")

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    def subscriber(self, email: str) -> Subscriber:
        found = Subscriber.objects.filter(email=email.strip().lower()).first()
        if found is None:
            raise CommandError(f"no subscription for {email}")
        return found

    def channel(self, pk: int) -> Channel:
        found = Channel.objects.select_related("subscriber").filter(pk=pk).first()
        if found is None:
            raise CommandError(f"no channel {pk}")
        return found

    def do_add(self, *, email, url, **options):
        try:
            channel = lifecycle.add(self.subscriber(email), url, now=timezone.now())
        except BadChannel as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"id: {channel.pk}")
        if channel.secret:
            self.stdout.write(f"secret: {channel.secret}")
        self.test(channel)

    def do_list(self, *, email, **options):
        subscriber = self.subscriber(email)
        if subscriber.status != Subscriber.Status.CONFIRMED:
            # An "active" channel of a stopped subscription would otherwise read as working.
            self.stdout.write(f"{subscriber.email} is {subscriber.get_status_display()}: its "
                              f"channels receive nothing until it is confirmed again")
        for c in subscriber.channels.all():
            error = f"  ({c.last_error[:200]})" if c.last_error else ""
            self.stdout.write(f"{c.pk}\t{c.status}\t{c.kind}\t{c.shown_as}{error}")

    def do_test(self, *, id, **options):
        self.test(self.channel(id))

    def do_remove(self, *, id, **options):
        channel = self.channel(id)
        lifecycle.remove(channel)
        self.stdout.write(f"removed channel {id} ({channel.shown_as})")

    def test(self, channel: Channel) -> None:
        outcome = lifecycle.test(channel, now=timezone.now(), today=clock.today())
        if not outcome.accepted:
            raise CommandError(f"the test message was not accepted ({outcome.error}); the "
                               f"channel is {channel.get_status_display()}: "
                               f"`channels test {channel.pk}` tries again")
        self.stdout.write(f"test message accepted: channel {channel.pk} ({channel.shown_as}) "
                          f"is active")
