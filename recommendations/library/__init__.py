"""A reader's library: saved papers with private notes and read marks, and papers marked "not interested"."""
