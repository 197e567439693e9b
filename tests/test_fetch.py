"""fetch against a local server (loopback only) that misbehaves on purpose."""
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from pipeline.fetch import FetchSettings, decode_page, fetch_all, read_log

PAGE = ("<html><head><title>试题</title></head><body><div id='contents'><p>一、单选题</p><p>1.甲（）A.一B.二</p></div>"
        "</body></html>")


class Handler(BaseHTTPRequestHandler):
    hits: dict = {}
    agents: list = []

    def log_message(self, *args):   # keep test output quiet
        pass

    def send(self, status, body=b"", headers=None):
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if "Content-Length" not in (headers or {}):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass

    def do_GET(self):
        path = self.path
        Handler.hits[path] = Handler.hits.get(path, 0) + 1
        Handler.agents.append(self.headers.get("User-Agent", ""))
        n = Handler.hits[path]
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            return self.send(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
        if path.startswith("/ok/") or path.startswith("/private/"):
            return self.send(200, PAGE.encode(), html)
        if path == "/slow":
            time.sleep(0.4)
            return self.send(200, PAGE.encode(), html)
        if path == "/hang":
            time.sleep(1.5)
            return self.send(200, PAGE.encode(), html)
        if path == "/flaky":
            return self.send(500) if n == 1 else self.send(200, PAGE.encode(), html)
        if path == "/limited":
            return self.send(429, headers={"Retry-After": "1"}) if n == 1 else self.send(200, PAGE.encode(), html)
        if path == "/down":
            return self.send(503)
        if path == "/loop":
            return self.send(302, headers={"Location": "/loop"})
        if path == "/big":
            return self.send(200, b"x" * 3_000_000, {"Content-Type": "text/html"})
        if path == "/big-chunked":   # no Content-Length: the limit is enforced while reading
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(300):
                    self.wfile.write(b"y" * 10_000)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        if path == "/wrong-charset":   # says UTF-8, is GBK (and says so in <meta>)
            body = ("<html><head><meta charset='gbk'></head><body><p>" + "客户服务管理考试题目" * 20
                    + "</p></body></html>").encode("gbk")
            return self.send(200, body, html)
        if path == "/missing":
            return self.send(404)
        return self.send(404)


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


SETTINGS = dict(rate=20.0, retries=2, backoff=0.05, max_bytes=1_000_000, timeout=1.0)


@pytest.fixture(scope="module")
def fetched(server, tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw")
    names = ["/ok/a", "/ok/b", "/slow", "/hang", "/flaky", "/limited", "/down", "/loop", "/big", "/big-chunked",
             "/wrong-charset", "/missing", "/private/secret"]
    urls = [server + n for n in names]
    started = time.monotonic()
    counts = fetch_all(urls, str(raw), FetchSettings(**SETTINGS))
    elapsed = time.monotonic() - started
    log = {e["url"][len(server):]: e for e in read_log(str(raw))}
    return raw, urls, counts, log, elapsed, server


def test_every_url_is_in_the_fetch_log(fetched):
    _, urls, counts, log, _, server = fetched
    assert set(log) == {u[len(server):] for u in urls}
    assert sum(counts.values()) == len(urls)
    for e in log.values():
        assert {"url", "status", "bytes", "sha256", "time"} <= set(e)


@pytest.mark.parametrize("path,status", [
    ("/ok/a", "ok"), ("/slow", "ok"), ("/hang", "timeout"), ("/flaky", "ok"), ("/limited", "ok"),
    ("/down", "http_error"), ("/loop", "redirect_loop"), ("/big", "too_large"), ("/big-chunked", "too_large"),
    ("/wrong-charset", "ok"), ("/missing", "http_error"), ("/private/secret", "robots_disallowed"),
])
def test_outcome_per_url(fetched, path, status):
    _, _, _, log, _, _ = fetched
    assert log[path]["status"] == status, log[path]


def test_retries_and_retry_after(fetched):
    _, _, _, log, _, _ = fetched
    assert log["/flaky"]["attempts"] == 2
    assert log["/limited"]["attempts"] == 2 and log["/limited"]["time"] >= 1.0   # waited for Retry-After
    assert log["/down"]["attempts"] == 3 and log["/missing"]["attempts"] == 1    # 4xx is not retried


def test_saved_pages_are_utf8_with_provenance(fetched):
    raw, _, _, log, _, server = fetched
    page = (raw / log["/wrong-charset"]["file"]).read_text(encoding="utf-8")
    assert page.startswith("<!-- saved from url=(") and server + "/wrong-charset" in page.splitlines()[0]
    assert "客户服务管理考试题目" in page
    assert log["/wrong-charset"]["charset"] == "gb18030"
    assert len(log["/ok/a"]["sha256"]) == 64 and log["/ok/a"]["bytes"] == len(PAGE.encode())


def test_user_agent_and_rate_limit(server, tmp_path):
    Handler.agents.clear()
    started = time.monotonic()
    fetch_all([f"{server}/ok/r{i}" for i in range(4)], str(tmp_path), FetchSettings(rate=5.0, retries=0))
    elapsed = time.monotonic() - started
    assert elapsed >= 0.6          # 4 pages (+ robots.txt) at 5 per second on one host
    assert all(a.startswith("tiku-fetch/") for a in Handler.agents)


def test_resumable_skips_what_was_fetched(fetched):
    raw, urls, _, _, _, server = fetched
    before = len(read_log(str(raw)))
    counts = fetch_all(urls[:2] + [server + "/ok/new"], str(raw), FetchSettings(**SETTINGS))
    assert counts == {"skipped": 2, "ok": 1}
    assert len(read_log(str(raw))) == before + 1


def test_fetched_pages_go_through_ingest(fetched, tmp_path):
    from pipeline.run import ingest
    raw, _, _, _, _, server = fetched
    import os
    with open(os.devnull, "w") as devnull:
        manifest = ingest(str(raw), str(tmp_path / "out"), log=devnull, workers=1)
    inputs = {i["path"]: i for i in manifest["inputs"]}
    assert "raw/fetch-log.jsonl" not in inputs
    ok = [i for i in inputs.values() if i["url"] and i["url"].startswith(server + "/ok/a")]
    assert ok and ok[0]["records"] == 1


def test_decode_page_prefers_a_declared_charset_that_reads_well():
    body = "<p>客户服务</p>".encode("gbk")
    assert decode_page(body, "text/html; charset=gbk")[1] == "gb18030"
    text, charset = decode_page("<p>客户服务</p>".encode("utf-8"), "text/html; charset=iso-8859-1")
    assert text == "<p>客户服务</p>" and charset == "utf-8"


@pytest.mark.parametrize("url", ["htp://example.com/a", "example.com/page", "http://", "http://exa mple.com/",
                                 "http://[::1/x", "http://host:99999/"])
def test_a_malformed_url_is_invalid_url_not_a_network_error(tmp_path, url):
    counts = fetch_all([url], str(tmp_path), FetchSettings(**SETTINGS))
    (entry,) = read_log(str(tmp_path))
    assert counts == {"invalid_url": 1} and entry["status"] == "invalid_url" and entry["error"], entry
    assert entry["attempts"] == 0


def test_cli_fetch_exits_1_when_any_url_failed(server, tmp_path, capsys):
    from pipeline.cli import main
    good, mixed = tmp_path / "good.txt", tmp_path / "mixed.txt"
    good.write_text(f"{server}/ok/cli-1\n# a comment\n", encoding="utf-8")
    mixed.write_text(f"{server}/ok/cli-2\n{server}/missing\nnot a url\n", encoding="utf-8")
    assert main(["fetch", str(good), "--raw", str(tmp_path / "raw"), "--rate", "50"]) == 0
    assert main(["fetch", str(mixed), "--raw", str(tmp_path / "raw"), "--rate", "50", "--retries", "0"]) == 1
    summary = capsys.readouterr().err.strip().splitlines()[-1]
    assert summary == "fetch: http_error 1, invalid_url 1, ok 1"
