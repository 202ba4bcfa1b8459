"""What each download of the site costs at scale: time and size of every serialisation, the
VoID counts, and the N-Quads gzip-compressed at several levels.

    .venv/bin/python benchmarks/exports_scale.py /work/tmp/data/synthetic-1000000.trig

The TriG is loaded and derived as ``planegraf build`` does (without validation), then each
export is written to a temporary folder in the same process, one after the other, with the
load average before each step: times on a shared machine are noisy, the sizes are exact.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import zlib
from pathlib import Path


def _load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--formats", default="trig,nq,ttl,nt,rdfxml,jsonld")
    parser.add_argument("--gzip-levels", default="1,6")
    args = parser.parse_args(argv)

    from planegraf.publish import lod
    from planegraf.rdf.loading import derive
    from planegraf.rdf.store import EmbeddedStore

    started = time.perf_counter()
    store = EmbeddedStore()
    store.load_file(args.data)
    derive(store)
    print(f"loaded and derived {len(store)} quads in {time.perf_counter() - started:.1f} s "
          f"({_load()})", flush=True)
    trig_bytes = args.data.stat().st_size
    with tempfile.TemporaryDirectory(dir=os.environ.get("EXPORTS_TMP")) as folder:
        began = time.perf_counter()
        stats = lod.dataset_statistics(store)
        print(f"VoID counts (statistics.rq) {time.perf_counter() - began:.1f} s: {stats} "
              f"({_load()})", flush=True)
        for key in args.formats.split(","):
            path = Path(folder) / lod.serialisation(key).file_name
            began = time.perf_counter()
            lod.export(store, key, path)
            size = path.stat().st_size
            print(f"{key:7} {time.perf_counter() - began:6.1f} s {size / 1e6:8.1f} MB "
                  f"{size / trig_bytes:5.2f}x input TriG ({_load()})", flush=True)
        nq = Path(folder) / "planegraf.nq"
        if not nq.exists():
            lod.export(store, "nq", nq)
        raw = nq.read_bytes()
        for level in (int(x) for x in args.gzip_levels.split(",")):
            began = time.perf_counter()
            packed = zlib.compressobj(level, zlib.DEFLATED, 31)
            size = len(packed.compress(raw)) + len(packed.flush())
            print(f"nq.gz level {level}: {time.perf_counter() - began:5.1f} s "
                  f"{size / 1e6:7.1f} MB ({_load()})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
