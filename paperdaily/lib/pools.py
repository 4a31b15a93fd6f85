"""Thread pools that a time limit may interrupt."""

from concurrent.futures import ThreadPoolExecutor


def leave_behind(pool: ThreadPoolExecutor) -> None:
    """Shut ``pool`` down without waiting for its threads. Leaving a ``with`` block would wait for
    them, and when the time limit interrupts this thread they may still be reading an answer
    that a slow server trickles: waiting let such an answer hold the task until its hard limit.
    Those threads touch no database row, and end when their request does."""
    pool.shutdown(wait=False, cancel_futures=True)
