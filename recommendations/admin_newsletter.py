"""Admin of the newsletter: subscribers and deliveries."""
