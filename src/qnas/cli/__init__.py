"""Command-line interface: one module per subcommand (``qnas <command> --help``)."""
