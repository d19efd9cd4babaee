"""Run the tap with ``python -m tap_pixieset``."""

from tap_pixieset.tap import cli

cli()
