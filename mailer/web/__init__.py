"""The web service: SendGrid event webhook, one-click unsubscribe, admin pages."""
