"""A faithful local Pixieset simulator: the Studio and Gallery JSON APIs on loopback.

It follows the unofficial documentation, quirks included: several pagination styles,
inconsistent ``meta``, default filters that silently cut results, numeric Gallery ids,
session cookies that expire. The tests and the demo run against it, and users can point
the tap at it to build their warehouse models before they hand over a real cookie.

    with Simulator() as sim:
        config = sim.tap_config()
        ...
        sim.dataset.expected_keys("clients")
"""

from pixieset_simulator.dataset import Dataset, Scale, build_dataset
from pixieset_simulator.server import Simulator

__all__ = ["Dataset", "Scale", "Simulator", "build_dataset"]
