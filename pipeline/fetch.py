"""Fetch pages politely into raw/: `python -m pipeline fetch URLS.txt --raw raw/`.

One request per second per host by default, robots.txt respected, retries
with backoff on 429 and 5xx (Retry-After honoured), a size limit, a clear
user agent. Resumable: raw/fetch-log.jsonl records every attempt (URL,
status, bytes, sha256, time) and URLs already fetched are skipped.

Pages are saved as UTF-8 HTML, decoded with the charset the server or the
page declares when that reading is plausible (servers often lie), with a
"saved from url" comment on top, the way browsers save pages, so the reader
knows where a page came from.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.parse
import urllib.robotparser
from dataclasses import dataclass, field

import httpx
import regex as re

from .model import PIPELINE_VERSION
from .read import UnreadableInput, decode, plausibility
from .write import atomic_open

USER_AGENT = f"tiku-fetch/{PIPELINE_VERSION} (exam dataset builder; polite: 1 req/s per host, honours robots.txt)"
LOG_NAME = "fetch-log.jsonl"
SCHEMES = ("http", "https")
# statuses of a URL that was asked for and not saved: any of them makes `tiku fetch` exit 1
FAILED = frozenset({"invalid_url", "robots_disallowed", "too_large", "redirect_loop", "timeout", "network_error",
                    "http_error", "unreadable"})
META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


@dataclass
class FetchSettings:
    rate: float = 1.0                  # requests per second, per host
    retries: int = 4
    backoff: float = 1.0               # seconds, doubled each retry
    max_retry_after: float = 60.0
    max_bytes: int = 20_000_000
    timeout: float = 30.0
    max_redirects: int = 5
    respect_robots: bool = True
    user_agent: str = USER_AGENT


@dataclass
class Fetcher:
    raw: str
    settings: FetchSettings = field(default_factory=FetchSettings)
    sleep: callable = time.sleep
    _last: dict = field(default_factory=dict)       # host → time of the last request
    _robots: dict = field(default_factory=dict)     # host → RobotFileParser or None

    def __post_init__(self):
        s = self.settings
        self.client = httpx.Client(headers={"User-Agent": s.user_agent}, follow_redirects=True,
                                   max_redirects=s.max_redirects, timeout=s.timeout)

    # --- politeness ---------------------------------------------------------
    def _wait_turn(self, host: str) -> None:
        gap = 1.0 / self.settings.rate if self.settings.rate > 0 else 0.0
        last = self._last.get(host)
        if last is not None:
            wait = last + gap - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last[host] = time.monotonic()

    def allowed(self, url: str) -> bool:
        if not self.settings.respect_robots:
            return True
        parts = urllib.parse.urlsplit(url)
        host = parts.netloc
        if host not in self._robots:
            robots_url = f"{parts.scheme}://{host}/robots.txt"
            parser = urllib.robotparser.RobotFileParser(robots_url)
            try:
                self._wait_turn(host)
                r = self.client.get(robots_url)
                if r.status_code >= 400:
                    parser.parse([])           # no robots.txt: everything allowed
                else:
                    parser.parse(r.text.splitlines())
            except httpx.HTTPError:
                parser.parse([])
            self._robots[host] = parser
        return self._robots[host].can_fetch(self.settings.user_agent, url)

    # --- one URL ------------------------------------------------------------
    def fetch(self, url: str) -> dict:
        entry = {"url": url, "status": None, "http_status": None, "bytes": 0, "sha256": None,
                 "file": None, "charset": None, "attempts": 0, "error": None}
        started = time.time()
        problem = url_problem(url)
        if problem:
            entry.update(status="invalid_url", error=problem)
            return self._done(entry, started)
        if not self.allowed(url):
            entry.update(status="robots_disallowed")
            return self._done(entry, started)
        host = urllib.parse.urlsplit(url).netloc
        s = self.settings
        for attempt in range(s.retries + 1):
            entry["attempts"] = attempt + 1
            self._wait_turn(host)
            try:
                body, response = self._get(url)
            except TooLarge as e:
                entry.update(status="too_large", error=str(e))
                return self._done(entry, started)
            except (httpx.InvalidURL, httpx.UnsupportedProtocol) as e:    # e.g. a redirect to ftp://
                entry.update(status="invalid_url", error=str(e))
                return self._done(entry, started)
            except httpx.TooManyRedirects:
                entry.update(status="redirect_loop", error=f"more than {s.max_redirects} redirects")
                return self._done(entry, started)
            except httpx.TimeoutException:
                entry.update(status="timeout", error=f"no answer within {s.timeout:g}s")
                delay = s.backoff * 2 ** attempt
            except httpx.HTTPError as e:
                entry.update(status="network_error", error=f"{type(e).__name__}: {e}")
                delay = s.backoff * 2 ** attempt
            else:
                entry["http_status"] = response.status_code
                if response.status_code == 429 or response.status_code >= 500:
                    entry.update(status="http_error", error=f"HTTP {response.status_code}")
                    delay = _retry_after(response) or s.backoff * 2 ** attempt
                    delay = min(delay, s.max_retry_after)
                elif response.status_code >= 400:
                    entry.update(status="http_error", error=f"HTTP {response.status_code}")
                    return self._done(entry, started)
                else:
                    return self._done(self._save(entry, url, body, response), started)
            if attempt < s.retries:
                self.sleep(delay)
        return self._done(entry, started)

    def _get(self, url: str):
        limit = self.settings.max_bytes
        with self.client.stream("GET", url) as response:
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > limit:
                raise TooLarge(f"Content-Length {declared} over the limit of {limit} bytes")
            chunks, size = [], 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"body over the limit of {limit} bytes")
                chunks.append(chunk)
            return b"".join(chunks), response

    def _save(self, entry: dict, url: str, body: bytes, response) -> dict:
        try:
            text, charset = decode_page(body, response.headers.get("content-type", ""))
        except UnreadableInput as e:
            entry.update(status="unreadable", error=str(e), bytes=len(body))
            return entry
        final_url = str(response.url)
        name = _file_name(url)
        page = f"<!-- saved from url=({len(final_url):04d}){final_url} -->\n{text}"
        with atomic_open(os.path.join(self.raw, name)) as f:
            f.write(page)
        entry.update(status="ok", bytes=len(body), sha256=hashlib.sha256(body).hexdigest(), file=name,
                     charset=charset, error=None)
        return entry

    def _done(self, entry: dict, started: float) -> dict:
        entry["time"] = round(time.time() - started, 3)
        return entry

    def close(self):
        self.client.close()


def url_problem(url: str) -> str | None:
    """Why `url` cannot be fetched at all, or None."""
    if any(c.isspace() for c in url):
        return "a URL has no spaces"
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port                        # raises for a port that is not a number in range
    except ValueError as e:
        return f"cannot parse: {e}"
    if parts.scheme.lower() not in SCHEMES:
        return f"not an {'/'.join(SCHEMES)} URL"
    if not parts.hostname:
        return "no host name"
    return None


class TooLarge(Exception):
    pass


def _retry_after(response) -> float | None:
    value = response.headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    return None


def _file_name(url: str) -> str:
    host = re.sub(r"[^A-Za-z0-9.-]", "_", urllib.parse.urlsplit(url).netloc) or "page"
    return f"{host}_{hashlib.sha1(url.encode()).hexdigest()[:12]}.html"


def decode_page(body: bytes, content_type: str) -> tuple[str, str]:
    """The page's text and the charset used: the declared one (header, then
    <meta>) when its reading is plausible, else the best-scoring decoding."""
    declared = []
    m = re.search(r"charset\s*=\s*([A-Za-z0-9_-]+)", content_type or "", re.I)
    if m:
        declared.append(m.group(1).lower())
    m = META_CHARSET.search(body[:4096])
    if m:
        declared.append(m.group(1).decode("ascii").lower())
    detected_text, detected = decode(body)
    for name in declared:
        name = {"gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030"}.get(name, name)
        try:
            text = body.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue          # a charset that cannot read the bytes is a wrong label
        if plausibility(text) >= plausibility(detected_text) - 0.05:
            return text, name
    return detected_text, detected


def read_log(raw: str) -> list[dict]:
    path = os.path.join(raw, LOG_NAME)
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def fetch_all(urls: list[str], raw: str, settings: FetchSettings | None = None, log=None, sleep=time.sleep) -> dict:
    """Fetch every URL not fetched before; append one log line per URL."""
    os.makedirs(raw, exist_ok=True)
    done = {e["url"] for e in read_log(raw) if e.get("status") == "ok"}
    fetcher = Fetcher(raw, settings or FetchSettings(), sleep=sleep)
    counts: dict[str, int] = {}
    try:
        with open(os.path.join(raw, LOG_NAME), "a", encoding="utf-8") as log_file:
            for url in urls:
                if url in done:
                    counts["skipped"] = counts.get("skipped", 0) + 1
                    continue
                entry = fetcher.fetch(url)
                entry["fetched_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
                log_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                log_file.flush()
                counts[entry["status"]] = counts.get(entry["status"], 0) + 1
                if entry["status"] == "ok":
                    done.add(url)
                if log is not None:
                    print(f"fetch: {entry['status']}: {url}" + (f" ({entry['error']})" if entry["error"] else ""),
                          file=log)
    finally:
        fetcher.close()
    return counts


def read_url_list(path: str) -> list[str]:
    urls = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and line not in urls:
                urls.append(line)
    return urls
