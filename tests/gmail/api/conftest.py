"""The fake Gmail server's fixture, for the tests of the Gmail plugin."""

from tests.gmailfake.fixtures import gmail_fake

__all__ = ["gmail_fake"]
