"""PURE: the contact's own page (issue 15): its signed links and what its forms accept."""
