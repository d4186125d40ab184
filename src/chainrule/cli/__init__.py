"""The ``chainrule`` command: ``main.py`` wires one module per subcommand (train, eval, predict, sweep, ...)."""
