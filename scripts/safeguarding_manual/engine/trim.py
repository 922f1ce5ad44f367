"""Python-Markdown's inline patterns that a page cannot use, left out for that page.

Python-Markdown tries each of its inline patterns on every run of text in a page, whether or not
the page has anything they could match. Most pages of the manual have no code, images,
backslashes, entities, emphasis or line breaks, and trying those patterns is a third of the time
spent on their Markdown. This extension looks at the text as the block parser will receive it
(after every preprocessor: tabs expanded, raw HTML blocks and code kept aside) and, for that
page's `Markdown` only, removes the built-in patterns that need a character the text does not
have. Text that inline patterns see is cut from that text (raw HTML and code are placeholders
made of letters, digits and control characters), so a pattern left out could never have
matched: the HTML is the same. A pattern is left out only if it is exactly Python-Markdown's own
(same name, class and regular expression), and only when every block processor is one known to
pass on text cut from its blocks and the inline processor is the first tree-processor; any other
extension's patterns are untouched.
"""

from __future__ import annotations

from markdown import blockprocessors, inlinepatterns as ip
from markdown.extensions import Extension
from markdown.extensions.abbr import AbbrBlockprocessor
from markdown.extensions.admonition import AdmonitionProcessor
from markdown.extensions.tables import TableProcessor
from markdown.preprocessors import Preprocessor

# name -> (class, regular expression, text any match contains)
PATTERNS = {
    "backtick": (ip.BacktickInlineProcessor, ip.BACKTICK_RE, ("`",)),
    "escape": (ip.EscapeInlineProcessor, ip.ESCAPE_RE, ("\\",)),
    "reference": (ip.ReferenceInlineProcessor, ip.REFERENCE_RE, ("[",)),
    "link": (ip.LinkInlineProcessor, ip.LINK_RE, ("[",)),
    "image_link": (ip.ImageInlineProcessor, ip.IMAGE_LINK_RE, ("![",)),
    "image_reference": (ip.ImageReferenceInlineProcessor, ip.IMAGE_REFERENCE_RE, ("![",)),
    "short_reference": (ip.ShortReferenceInlineProcessor, ip.REFERENCE_RE, ("[",)),
    "short_image_ref": (ip.ShortImageReferenceInlineProcessor, ip.IMAGE_REFERENCE_RE, ("![",)),
    "autolink": (ip.AutolinkInlineProcessor, ip.AUTOLINK_RE, ("<", "://")),
    "automail": (ip.AutomailInlineProcessor, ip.AUTOMAIL_RE, ("<", "@")),
    # two spaces before a line end (block processors only cut text at the start or end of
    # lines, so an end of line with two spaces in a paragraph is in the text here too)
    "linebreak": (ip.SubstituteTagInlineProcessor, ip.LINE_BREAK_RE, ("  \n",)),
    "html": (ip.HtmlInlineProcessor, ip.HTML_RE, ("<",)),
    "entity": (ip.HtmlInlineProcessor, ip.ENTITY_RE, ("&",)),
}


# Block processors known to hand inline markup only text cut from the blocks they are given.
# Another one (md_in_html parses HTML kept aside, for instance) could give it other text: then
# nothing is left out. The same for a tree-processor that runs before the inline one.
KNOWN_BLOCK = (AbbrBlockprocessor, AdmonitionProcessor, TableProcessor)


def _known(md) -> bool:
    for p in md.parser.blockprocessors:
        if not (type(p).__module__ == blockprocessors.__name__ or type(p) in KNOWN_BLOCK):
            return False
    for t in md.treeprocessors:
        if "inline" in md.treeprocessors and t is md.treeprocessors["inline"]:
            return True
        return False
    return False


class _Trim(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        if not _known(self.md):
            return lines
        text = "\n".join(lines)
        patterns = self.md.inlinePatterns
        for name, (kind, regex, needs) in PATTERNS.items():
            if name in patterns:
                p = patterns[name]
                if type(p) is kind and getattr(p, "pattern", None) == regex and not all(n in text for n in needs):
                    patterns.deregister(name)
        # emphasis and strong: one processor for all delimiters (`*`, `_`)
        p = patterns["em_strong"] if "em_strong" in patterns else None
        if type(p) is ip.DelimiterProcessor and p.tokens and not any(t in text for t in p.tokens):
            patterns.deregister("em_strong")
        return lines


class TrimInline(Extension):
    """Added to `config.markdown_extensions` by the plugin."""

    def extendMarkdown(self, md) -> None:
        # last of the preprocessors: it sees exactly what the block parser will
        md.preprocessors.register(_Trim(md), "wf_trim_inline", -1000)
