"""The site table: everything site-specific lives here, as data.

Patterns are matched against a *probe* of each line: the line with pinyin
glosses removed, traditional converted to simplified and width folded, so one
simplified pattern covers `版權(quán)說明` and `版权说明` alike. Adding a site is
one entry in SITES; adding a boilerplate phrase is one line in a rule list.

Rule kinds (see clean.py):
  line    remove the whole line when the pattern matches (regex search)
  block   a heading line matching `pattern`, plus the lines after it that
          match `item` (or are blank): "相关文档" lists, "温馨提示" notices
  notice  a list-item line mentioning at least two site-notice words and
          not shaped like a question (`unless`)
  widget  a line made only of `words` (button bars, navigation)
  vocabulary  a short line (`max_len`) with at least `min_words` of `words`,
          not shaped like a question (document metadata)
"""
from __future__ import annotations

# Words that site notices use and exam questions almost never combine.
NOTICE_WORDS = [
    "本站", "网站", "文档", "下载", "上传", "VIP", "会员", "付费", "退款", "侵权", "版权",
    "预览", "客服", "权益", "举报", "申诉", "用户", "网友", "合作方", "附件", "压缩",
]

# A line that begins like a list item: "- 1、", "• 1.", "1. 1、", "  2. …"
LIST_ITEM = r"^\s*(?:[-•·*]\s*)?(?:\d+\s*[.、]\s*)?\d+\s*[.、]"

# Page furniture: a line made only of these words (with digits and
# separators) is a button bar or a navigation line.
WIDGET_WORDS = [
    "首页", "文档分类", "分类", "收藏", "分享", "举报", "下载", "在线阅读", "打印", "反馈", "评论", "点赞", "关注",
    "登录", "注册", "立即下载", "免费下载", "开通VIP", "VIP专享文档", "VIP专享", "VIP", "相关推荐", "上一页",
    "下一页", "全屏", "目录", "加入书架", "积分", "下载券", "分", "页", "次", "人阅读", "次下载", "次阅读", "查看更多",
]
# Document metadata: "格式：DOC 页数：12 大小：56KB", "4.8分 | 1256人阅读 | 36次下载".
META_WORDS = ["页数", "格式", "大小", "浏览", "阅读", "下载", "上传", "上传者", "上传于", "日期", "积分", "评分", "贡献者",
              "字数", "发布"]
QUESTION_SHAPE = r"[?？]|（）|\(\s*\)|下列|哪些|哪个|哪项|是否|正确的是"
# ... or a numbered question / an option line: not metadata either
CONTENT_SHAPE = QUESTION_SHAPE + r"|^\s*(?:\d+\s*[.、．]|[A-F]\s*[.、．])"

GENERIC_RULES = [
    {"name": "page_title", "kind": "line", "pattern": r"_第\s*\d+\s*页\s*$"},
    {"name": "read_progress", "kind": "line", "pattern": r"还剩\s*\d+\s*页未读|阅读已结束|最多预览.{0,10}页|查看全文\s*$"},
    {"name": "continue_reading", "kind": "line", "pattern": r"^\s*(?:继续(?:免费)?阅读|点击(?:查看|阅读)(?:更多|全文).*)\s*$"},
    {"name": "download_button", "kind": "line", "pattern": r"^\s*(?:下载本文档|下载文档|立即下载|免费下载|下载此文档)\s*$"},
    {"name": "doc_intro", "kind": "line", "pattern": r"^\s*文档简介\s*$", "inline": r"文档简介"},
    {"name": "copyright_notice", "kind": "line", "pattern": r"^\s*版权说明\s*[:：].{0,12}本文档由用户",
     "inline": r"版权说明\s*[:：]\s*本文档由用户提供并上传[^。\n]{0,40}?(?:举报或认领|认领|删除)"},
    {"name": "comment_widget", "kind": "line", "pattern": r"^\s*(?:文档)?评论\s*(?:\(\s*\d+\s*\))?\s*$"},
    {"name": "comment_counter", "kind": "line", "pattern": r"^\s*\d+\s*/\s*\d+\s*$"},
    {"name": "comment_submit", "kind": "line", "pattern": r"^\s*(?:提交评论|发表评论|我要评论)\s*$"},
    {"name": "upload_button", "kind": "line", "pattern": r"^\s*上传文档\s*$"},
    {"name": "download_offer", "kind": "line",
     "pattern": r"下载本文需要|下载券|下载收益|下载文档到电脑|下载积分|^\s*\d+\s*积分\s*$|开通VIP"
                r"|VIP.{0,6}(?:免费下载|下载特权)"},
    {"name": "uploader_notice", "kind": "line",
     "pattern": r"本文档由.{0,20}上传|如有侵权.{0,10}(?:删除|联系)|^\s*内容提示\s*[:：]"},
    {"name": "site_name", "kind": "line",
     "pattern": r"^\s*(?:豆丁网|豆丁|百度文库|道客巴巴|原创力文档|人人文库|人人文库网|360文库|淘豆网|金锄头文库)\s*$"},
    {"name": "widget_bar", "kind": "widget", "words": WIDGET_WORDS},
    {"name": "doc_metadata_item", "kind": "line",
     "pattern": r"^\s*[-•·*]\s*(?:格式|大小|文档页数|页数|字数|上传时间|上传者|浏览次数|下载次数|发布时间)\s*[:：]"},
    {"name": "doc_metadata", "kind": "vocabulary", "words": META_WORDS, "min_words": 2, "max_len": 100,
     "unless": CONTENT_SHAPE},
    {"name": "related_list", "kind": "block",
     # glued into a one-line page: the heading and the file names after it
     "inline": r"(?:相关文档|相关资源|相关推荐|猜你喜欢|热门文档)(?:\s*[-•·*]\s*[^\n]{1,60}?\.(?:docx?|pdf|pptx?|xlsx?|txt))+",
     "pattern": r"^\s*(?:相关文档|最新文档|相关资源|猜你喜欢|热门文档|相关推荐|推荐文档|精选文档|相关文档推荐|更多相关文档)\s*$",
     "item": r"^\s*[-•·*]\s*\S"},
    # one entry of such a list, cut off from its heading by page furniture
    {"name": "related_item", "kind": "line", "pattern": r"^\s*[-•·*]\s*\S[^\n]{0,60}\.(?:docx?|pdf|pptx?|xlsx?|txt)\s*$"},
    {"name": "warm_tips", "kind": "block", "pattern": r"^\s*(?:温馨提示|下载须知|版权声明)\s*[:：]?\s*$",
     "item": LIST_ITEM},
    # a question about downloading documents is still a question
    {"name": "site_notice", "kind": "notice", "pattern": LIST_ITEM, "min_words": 2, "unless": QUESTION_SHAPE},
]

# HTML pages. Dropped everywhere: page furniture. Tried in order when the
# site's own selectors find nothing: common content containers.
GENERIC_DROP = [
    "script", "style", "noscript", "iframe", "form", "button", "nav", "header", "footer", "aside", "svg",
    "[class*=related]", "[class*=recommend]", "[class*=download]", "[class*=comment]", "[class*=share]",
    "[class*=advert]", "[class*=login]", "[id*=related]", "[id*=comment]", "[id*=download]",
]
GENERIC_CONTENT = ["article", "main", "#content", "#contents", ".content", ".article", ".doc-content"]
# " - 原创力文档", "_人人文库网" … after a page title
TITLE_SUFFIX = r"\s*[-_|–—]\s*(?:原创力文档|人人文库网?|豆丁网|道客巴巴|百度文库|docin|doc88|book118)[^-_|]*$"

SITES = [
    {"name": "book118", "url": r"(?:^|\.)book118\.com",
     "markers": ["原创力文档", "book118", "如何避免下载的几个坑"],
     "content_selectors": [".webpreview-box", "#contents", "div.article"],
     "drop_selectors": [".webpreview-notice", ".preview-more", ".vip-tips"],
     "rules": [{"name": "book118_notice", "kind": "line",
                "pattern": r"本文档共\s*\d+\s*页|可阅读全部内容|预览与源文档一致|下载高清无水印|max\.book118\.com"
                           r"|\.(?:pdf|docx?|pptx?|xlsx?|txt)\s*VIP\s*$"}]},
    {"name": "renrendoc", "url": r"(?:^|\.)renrendoc\.com",
     "markers": ["人人文库"],
     "content_selectors": ["#contents", ".m-content", "div.content"],
     "drop_selectors": [".m-tips", ".m-readmore", ".m-related"],
     "rules": []},
    {"name": "docin", "url": r"(?:^|\.)docin\.com",
     "markers": ["豆丁网", "豆丁"],
     "content_selectors": ["#contentcontainer", "div.doc_reader_mod"],
     "drop_selectors": [".doc_toolbar", ".reader_more", ".doc_info"],
     "rules": []},
    {"name": "doc88", "url": r"(?:^|\.)doc88\.com",
     "markers": ["道客巴巴", "doc88"],
     "content_selectors": ["#pageContainer", "div.doc-main"],
     "drop_selectors": [".toolbar", ".continue-read", ".doc-summary"],
     "rules": []},
    {"name": "wenku", "url": r"wenku\.baidu\.com",
     "markers": ["百度文库"],
     "content_selectors": ["div.reader-container", "div.content-wrapper"],
     "drop_selectors": [".reader-tools", ".fold-page", ".vip-guide", ".try-end-fold-page"],
     "rules": []},
]
