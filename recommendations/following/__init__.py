"""Following: a reader follows topics and recommenders; private to that reader (issue 18, item 1)."""
