"""A plain libcst parse of a list of files (the reference for corpus B): python -m bench.cst_parse -j N LIST."""

from __future__ import annotations

import argparse
import multiprocessing


def _parse(path: str) -> int:
    import libcst

    with open(path, "rb") as fh:
        data = fh.read()
    try:
        libcst.parse_module(data)
    except Exception:
        return 0
    return 1


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("-j", type=int, default=1)
    p.add_argument("list")
    args = p.parse_args()
    with open(args.list) as fh:
        files = [line for line in fh.read().splitlines() if line]
    if args.j == 1:
        ok = sum(map(_parse, files))
    else:
        with multiprocessing.get_context("fork").Pool(args.j) as pool:
            ok = sum(pool.imap_unordered(_parse, files, chunksize=8))
    print(f"{ok}/{len(files)} parsed")


if __name__ == "__main__":
    main()
