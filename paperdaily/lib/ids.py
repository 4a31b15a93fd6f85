"""Row ids and numbers as they arrive from outside (form values, URL segments): text until checked."""

# Primary keys are BigAutoFields: positive and within a signed 64-bit integer.
MAX_ID = 2**63 - 1


def row_number(value: str, *, maximum: int = MAX_ID) -> int | None:
    """``value`` as a positive int no bigger than ``maximum``, or None.

    Only ASCII digits count: ``int()`` alone would take "+5", " 5", "٥" or "5_0", and the
    database refuses a number past its column's range with an error instead of "no row".
    """
    if value.isascii() and value.isdigit() and 0 < int(value) <= maximum:
        return int(value)
    return None


def row_ids(values) -> list[int]:
    """The values (from a form) that can be row ids, as ints; the others are left out."""
    return [number for value in values if (number := row_number(value.strip())) is not None]
