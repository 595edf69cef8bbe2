"""mkdocs hooks (``hooks:`` in mkdocs.yml): the rendered notebooks draw their diagrams with no internet.

nbconvert's page template brings a module script that imports mermaid from a CDN to draw a notebook's mermaid
outputs, and hides those outputs until that script has drawn them. The site ships mermaid and Material draws
every ``pre.mermaid`` with it, so the script is removed and the outputs are shown.
"""

from __future__ import annotations

import re
from typing import Any

#: An inline module script that imports code from another host (nbconvert's mermaid loader).
REMOTE_IMPORT_SCRIPT = re.compile(
    r"<script type=\"module\">(?:(?!</script>).)*?import\(\s*[\"']https?://(?:(?!</script>).)*</script>", re.DOTALL
)
HIDDEN_UNTIL_RENDERED = '<div class="jp-Mermaid">'
SHOWN = '<div class="jp-Mermaid" style="display: block">'  # nbconvert's style hides it, and would shrink it


def offline(html: str) -> str:
    """``html`` without remote-importing module scripts, its notebook diagrams left for Material to draw."""
    html = REMOTE_IMPORT_SCRIPT.sub("", html)
    return html.replace(HIDDEN_UNTIL_RENDERED, SHOWN)


def on_post_page(output: str, **kwargs: Any) -> str:
    """Make each built page work offline (see the module docstring)."""
    return offline(output)
