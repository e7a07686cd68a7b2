"""The only layer that joins the pure core and the adapters, and owns transactions.

One module per capability: roster, editions, send, events, reports, schedules, demo.
"""

from mailer.pipeline.context import Context

__all__ = ["Context"]
