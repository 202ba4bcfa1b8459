"""Write synthetic national-scale planegraf data (21 regions, 290 municipalities, their
units, partners, groups and ten years of plans) as TriG, deterministic for a seed.

    .venv/bin/python benchmarks/synthetic_data.py --triples 1000000 --seed 1 -o /tmp/national.trig
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from planegraf.synthetic import write_trig


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--triples", type=int, default=100_000,
                        help="about how many triples (10 000 to 3 000 000; default 100 000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="TriG file to write")
    args = parser.parse_args(argv)
    if not 10_000 <= args.triples <= 3_000_000:
        parser.error("--triples must be between 10000 and 3000000")
    started = time.perf_counter()
    quads = write_trig(args.output, args.triples, args.seed)
    print(f"wrote {args.output}: {quads} quads in {time.perf_counter() - started:.1f} s",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
