"""The mailer: candidate invitations by email. ``compose`` builds the message (pure: the text
and HTML parts, headers no field can inject into); ``smtp`` is the one SMTP call, which reports
a failure instead of raising it (an invite whose email could not be sent is still an invite)."""
