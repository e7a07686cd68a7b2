"""Everything this project knows about SendGrid, both directions (as django-anymail does):

- `send.py`: the Provider (Mail Send, retries), with the request bodies built in `body.py`;
- `events.py` (pure): Event Webhook payloads -> provider-neutral `DeliveryEvent`s;
- `signature.py`: the Signed Event Webhook's ECDSA check (and signing, for the demo and tests);
- `suppressions.py`: the suppression lists `mailer bounces sync` pages through;
- `client.py`: the one API client construction, and the redaction of its HTTP library's log;
- `errors.py`: the one mapper from SendGrid's answers to our ProviderError subclasses.

The official `sendgrid` package is the transport; no module outside this package imports it or
`python_http_client`. The modules are imported one by one (this file imports none of them), so
the webhook's parsing and signature check never load the SDK.
"""
