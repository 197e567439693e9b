"""Saved HTML pages → text, title, URL and site.

The site comes from the page's URL (canonical link, og:url, or the "saved
from url" comment) or its markers; its entry in sites.py says where the
document body sits (content selectors) and what to drop inside it. A page
from a site not in the table goes through the generic extractor: drop page
furniture, then take the smallest block holding most of the page's Chinese
text outside links.
"""
from __future__ import annotations

from dataclasses import dataclass

import regex as re
from bs4 import BeautifulSoup, Comment

from . import sites

BLOCK_TAGS = ["p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article", "dd", "dt", "pre"]
_HAN = re.compile(r"\p{Han}")


@dataclass
class Page:
    text: str
    title: str | None
    url: str | None
    site: str | None          # None when no URL or marker names one


def page_url(soup, html: str) -> str | None:
    link = soup.find("link", rel="canonical")
    if link and link.get("href"):
        return link["href"].strip()
    og = soup.find("meta", property="og:url")
    if og and og.get("content"):
        return og["content"].strip()
    saved = re.search(r"saved from url=\(\d+\)(\S+?)\s*-->", html)
    return saved.group(1) if saved else None


def site_of(url: str | None, html: str) -> dict | None:
    if url:
        for site in sites.SITES:
            if re.search(site["url"], url):
                return site
    best = max(sites.SITES, key=lambda s: sum(html.count(m) for m in s["markers"]))
    return best if any(m in html for m in best["markers"]) else None


def clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = re.sub(sites.TITLE_SUFFIX, "", title.strip()).strip()
    return title or None


def _han_outside_links(el) -> int:
    total = len(_HAN.findall(el.get_text()))
    linked = sum(len(_HAN.findall(a.get_text())) for a in el.find_all("a"))
    return total - linked


def main_block(soup):
    """The smallest element that holds most of the page's (non-link) Chinese text."""
    body = soup.body or soup
    total = _han_outside_links(body)
    if total == 0:
        return body
    best = body
    for el in body.find_all(["div", "section", "article", "main", "td"]):
        n = _han_outside_links(el)
        if n >= 0.8 * total and len(el.get_text()) < len(best.get_text()):
            best = el
    return best


def extract(html: str) -> Page:
    soup = BeautifulSoup(html, "lxml")
    title = clean_title(soup.title.get_text(strip=True) if soup.title else None)
    url = page_url(soup, html)
    site = site_of(url, html)
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    # one walk for all of them (a walk per selector was most of a page's time)
    for el in soup.select(", ".join(sites.GENERIC_DROP + (site["drop_selectors"] if site else []))):
        if not el.decomposed:         # inside an element already dropped
            el.decompose()
    body = None
    for sel in (site["content_selectors"] if site else []) + sites.GENERIC_CONTENT:
        body = soup.select_one(sel)
        if body is not None and _HAN.search(body.get_text()):
            break
        body = None
    body = body or main_block(soup)
    for br in body.find_all("br"):
        br.replace_with("\n")
    for block in body.find_all(BLOCK_TAGS):
        block.insert_before("\n")
        block.insert_after("\n")
    text = body.get_text()
    text = re.sub(r"[ \t\u3000\xa0]*\n[ \t\u3000\xa0\n]*", "\n", text).strip()
    return Page(text + "\n" if text else "", title, url, site["name"] if site else None)
