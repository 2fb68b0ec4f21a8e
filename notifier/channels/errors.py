"""What a channel module raises: a leaf module, so that the package (which picks a channel's
module) and the channel modules import it without importing each other."""


class BadChannel(ValueError):
    """Not a URL depcal can send alerts to; the message says why and what would do."""
