"""tap-pixieset: a Singer tap for the Pixieset Studio and Gallery APIs."""
