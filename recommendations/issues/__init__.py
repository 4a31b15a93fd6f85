"""Issues: numbering, filling and ordering an issue, assembling its metadata, publishing it;
the editors' issue desk in the admin and the API."""
