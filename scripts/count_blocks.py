#!/usr/bin/env python3
"""An independent count of what `uds-index dedup` reports: every regular file
under the paths (symbolic links not followed; a path named here is taken as
given), read in fixed blocks (a partial last block is a block of its own
length, named by its bytes), each named by hashlib's SHA-256. Prints one JSON
object: files, blocks, duplicateBlocks (blocks whose bytes were seen before),
bytesRead, bytesSaved. Entries that cannot be read are skipped (and counted).

usage: python3 scripts/count_blocks.py [--block-size 4096] PATH...
"""
import hashlib, json, os, stat, sys

def main(argv):
    block_size = 4096
    if len(argv) >= 2 and argv[0] == "--block-size":
        block_size, argv = int(argv[1]), argv[2:]
    seen = set()
    count = {"files": 0, "blocks": 0, "duplicateBlocks": 0, "bytesRead": 0, "bytesSaved": 0, "skipped": 0}

    def read_file(path):
        try:
            with open(path, "rb") as f:
                while block := f.read(block_size):
                    name = hashlib.sha256(block).digest()
                    count["blocks"] += 1
                    count["bytesRead"] += len(block)
                    if name in seen:
                        count["duplicateBlocks"] += 1
                        count["bytesSaved"] += len(block)
                    seen.add(name)
            count["files"] += 1
        except OSError:
            count["skipped"] += 1

    def visit(path, mode):
        if stat.S_ISREG(mode):
            read_file(path)
        elif stat.S_ISDIR(mode):
            try:
                names = sorted(os.listdir(path))
            except OSError:
                count["skipped"] += 1
                return
            for name in names:
                child = os.path.join(path, name)
                try:
                    visit(child, os.lstat(child).st_mode)
                except OSError:
                    count["skipped"] += 1

    for root in argv:
        try:
            visit(root, os.stat(root).st_mode)
        except OSError:
            count["skipped"] += 1
    print(json.dumps(count))

if __name__ == "__main__":
    main(sys.argv[1:])
