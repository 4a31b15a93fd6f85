"""What the portal holds about a reader: download it all, or delete the account."""
