"""The contact's own page `/p/{token}` (issue 15): whose page a token is, what the contact may
change there (language, details, address, unsubscribe, a successor), the confirmation links
those send, the rate limit of its forms, and the pending contacts a coordinator approves."""
