"""The bare stack the thread page is measured against: a Flask route rendering a Jinja
template of the same size (25 posts, no database, no sign-in), served by gevent's WSGI
server like the app.

    python bench/bare_page.py PORT PAGE_BYTES"""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402

from flask import Flask, render_template_string  # noqa: E402
from gevent import pywsgi  # noqa: E402

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><main><h1>{{ title }}</h1>
{% for post in posts %}<article id="post-{{ post.id }}"><header>{{ post.author }} · {{ post.at }}</header>
<div class="body">{{ post.body|safe }}</div></article>
{% endfor %}</main></body></html>"""

app = Flask(__name__)


def posts_for(size: int) -> list[dict[str, object]]:
    """25 posts whose page comes to about `size` bytes."""
    empty = len(render_template_string(PAGE, title="A thread", posts=[]))
    each = max(40, (size - empty) // 25)
    filler = ("<p>" + "words of support and a story of recovery " * 200)[: each - 120] + "</p>"
    return [{"id": i, "author": f"GentleOtter{i}", "at": "2026-12-01 19:00", "body": filler} for i in range(25)]


if __name__ == "__main__":
    port, size = int(sys.argv[1]), int(sys.argv[2])
    with app.app_context():
        posts = posts_for(size)

    @app.get("/thread")
    def thread() -> str:
        return render_template_string(PAGE, title="A thread", posts=posts)

    print(f"bare page on 127.0.0.1:{port}", flush=True)
    pywsgi.WSGIServer(("127.0.0.1", port), app, log=None).serve_forever()
