"""One module per external metadata API, turning its answers into plain dataclasses."""
