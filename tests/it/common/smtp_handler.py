"""aiosmtpd handler for the tests: a Maildir that answers some recipients the way real
mail servers do. Addresses starting with "bounce" get a permanent 550 (no such user),
addresses starting with "busy" a temporary 451 (try again later)."""
from aiosmtpd.handlers import Mailbox


class Handler(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("bounce"):
            return "550 5.1.1 No such user here"
        if local.startswith("busy"):
            return "451 4.3.2 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"
