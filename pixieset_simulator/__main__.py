"""Run the simulator: ``pixieset-simulator`` (or ``python -m pixieset_simulator``)."""

from __future__ import annotations

import argparse
import json
import signal
import threading

from pixieset_simulator.dataset import Scale
from pixieset_simulator.server import Simulator


def main() -> None:
    """Serve both APIs until interrupted, after printing a ready-to-use tap config."""
    parser = argparse.ArgumentParser(description="A local Pixieset Studio + Gallery API simulator.")
    parser.add_argument("--seed", type=int, default=7, help="dataset seed (default 7)")
    parser.add_argument("--scale", choices=["demo", "mid"], default="demo", help="dataset size")
    parser.add_argument("--studio-port", type=int, default=0)
    parser.add_argument("--gallery-port", type=int, default=0)
    parser.add_argument(
        "--config-out", help="write a tap config JSON for this simulator to this file"
    )
    args = parser.parse_args()

    scale = Scale.mid() if args.scale == "mid" else Scale.demo()
    sim = Simulator(
        seed=args.seed, scale=scale, studio_port=args.studio_port, gallery_port=args.gallery_port
    )
    sim.start()
    config = sim.tap_config()
    text = json.dumps(config, indent=2)
    if args.config_out:
        with open(args.config_out, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
    print(f"Studio API:  {sim.base_url('studio')}")
    print(f"Gallery API: {sim.base_url('gallery')}")
    print(f"Login:       {sim.sessions.email} / (see SessionStore)")
    print("Tap config:\n" + text, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


if __name__ == "__main__":
    main()
