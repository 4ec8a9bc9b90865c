"""Parse one delimited file in several threads at once, and hand its rows on in order.

pyarrow's streaming CSV reader parses one block at a time, on one core; its whole-file
reader uses every core but returns nothing until the end, so scoring cannot start before
the last row is parsed. Here the file is cut into segments at line ends, the segments are
parsed by a pool of threads (Arrow releases the GIL while it parses), and their tables
are handed on in file order while later segments are still being parsed, with a bounded
number in flight, so memory stays bounded whatever the file's size.

A line end is a safe place to cut only outside a quoted cell (a quoted cell may hold line
breaks). The cut points are therefore chosen with the quote positions found when the
file was sniffed: a line end with an even number of quotes before it is outside every
quoted cell. Files with too many quotes to keep their positions are not cut.
"""

from __future__ import annotations

import bisect
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["SEGMENT_BYTES", "cut_points", "parsed_segments"]

SEGMENT_BYTES = 2 << 20
"""Bytes of file per segment (about 27,000 rows of 36 answers)."""

_WINDOW = 1 << 16


def cut_points(
    path: Path, size: int, quotes: Sequence[int], segment_bytes: int = SEGMENT_BYTES
) -> list[int]:
    r"""Return segment boundaries ``[0, ..., size]``: byte offsets just after a line end.

    ``quotes`` are the byte offsets of every quote character in the file, in order. A cut
    is made at the first line end at or after each ``segment_bytes`` step that has an
    even number of quotes before it (in the example, not inside the quoted ``x``/``y``).

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "d.csv"
    ...     _ = path.write_bytes(b'a,b\n1,"x\ny"\n2,z\n3,w\n')
    ...     cut_points(path, 20, quotes=[6, 10], segment_bytes=5)
    [0, 12, 20]
    """
    points = [0]
    with path.open("rb", buffering=0) as stream:
        position = segment_bytes
        while position < size:
            stream.seek(position)
            window = stream.read(_WINDOW)
            if not window:
                break
            found = window.find(b"\n")
            if found < 0:
                position += len(window)
                continue
            cut = position + found + 1
            if cut >= size:
                break
            if bisect.bisect_left(quotes, cut) % 2 == 0:
                points.append(cut)
                position = cut + segment_bytes
            else:  # inside a quoted cell: try the next line end
                position = cut
    points.append(size)
    return points


def parsed_segments(
    path: Path,
    points: Sequence[int],
    parse: Callable[[int, bytes], Any],
    *,
    workers: int,
    ahead: int,
) -> Iterator[tuple[Any, int]]:
    """Yield ``(parse(k, bytes of segment k), end offset)`` for each segment, in order.

    ``workers`` threads read and parse; at most ``ahead`` segments are read or parsed
    beyond the one being handed on. An exception from ``parse`` is raised here, at its
    segment's turn; segments not yet started are then cancelled.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    fd = os.open(path, os.O_RDONLY)

    def task(k: int) -> Any:
        start, end = points[k], points[k + 1]
        data = os.pread(fd, end - start, start)
        return parse(k, data)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="relscales-parse")
    pending: deque[Future[Any]] = deque()
    count = len(points) - 1
    submitted = 0
    try:
        for k in range(count):
            while submitted < count and submitted <= k + ahead:
                pending.append(pool.submit(task, submitted))
                submitted += 1
            yield pending.popleft().result(), points[k + 1]
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)
        os.close(fd)
