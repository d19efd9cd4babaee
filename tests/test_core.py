"""The Singer SDK's standard tap tests, run against the simulator for every stream."""

from __future__ import annotations

import atexit

from harness import catalog_selecting
from singer_sdk.testing import SuiteConfig, get_tap_test_class

from pixieset_simulator import Simulator
from tap_pixieset.streams import STREAM_TYPES
from tap_pixieset.tap import TapPixieset

# get_tap_test_class needs its config when the class is built, at import time, so this
# module starts a simulator of its own for the life of the test session.
_SIM = Simulator().start()
atexit.register(_SIM.stop)

# Every stream selected, including those off by default, with the quotes probe the simulator answers.
_CONFIG = _SIM.tap_config(enable_quotes_probe=True)

TestTapPixieset = get_tap_test_class(
    tap_class=TapPixieset,
    config=_CONFIG,
    catalog=catalog_selecting(_CONFIG, {stream.name for stream in STREAM_TYPES}),
    parse_env_config=False,
    suite_config=SuiteConfig(ignore_no_records_for_streams=[]),
)
