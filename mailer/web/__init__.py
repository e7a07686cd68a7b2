"""The web service: SendGrid event webhook, one-click unsubscribe, the workspace."""
