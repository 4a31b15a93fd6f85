"""The catalogue: papers, authors, topics and code, and the workers that fetch their metadata."""
