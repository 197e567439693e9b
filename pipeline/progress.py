"""Progress on stderr: a live bar on a terminal, a log line every few
seconds otherwise (CI logs, nohup), nothing for a short run."""
from __future__ import annotations

import time

LOG_EVERY = 5.0


class Progress:
    def __init__(self, total_docs: int, total_bytes: int, stream):
        self.total_docs, self.total_bytes, self.stream = total_docs, max(1, total_bytes), stream
        self.docs = self.bytes = 0
        self.started = self.last = time.perf_counter()
        self.live = bool(getattr(stream, "isatty", lambda: False)())
        self.shown = False

    def line(self) -> str:
        elapsed = max(1e-9, time.perf_counter() - self.started)
        rate = self.bytes / elapsed
        eta = (self.total_bytes - self.bytes) / rate if rate else 0.0
        return (f"{self.docs}/{self.total_docs} documents, {self.bytes / 1e6:.1f}/{self.total_bytes / 1e6:.1f} MB, "
                f"{rate / 1e6:.2f} MB/s, ETA {int(eta // 60)}:{int(eta % 60):02d}")

    def update(self, nbytes: int) -> None:
        self.docs += 1
        self.bytes += nbytes
        now = time.perf_counter()
        if self.live and now - self.last >= 0.2:
            filled = int(30 * self.bytes / self.total_bytes)
            self.stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.line()}  ")
            self.stream.flush()
            self.last, self.shown = now, True
        elif not self.live and now - self.last >= LOG_EVERY:
            self.stream.write(f"progress: {self.line()}\n")
            self.stream.flush()
            self.last, self.shown = now, True

    def done(self) -> None:
        if self.live and self.shown:
            self.stream.write("\n")
            self.stream.flush()
