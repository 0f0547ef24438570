"""The corpus holds sample applications to read, not tests: pytest must not import them."""

collect_ignore_glob = ["corpus/*"]
