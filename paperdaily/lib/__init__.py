"""Small helpers every app uses. Nothing here imports papers or recommendations."""
