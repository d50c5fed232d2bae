"""Runs the real DLRN API (Flask app from PyPI dlrn) on 127.0.0.1.

CONFIG_FILE must point at a Flask settings file (DB_PATH, REPO_PATH, CONFIG_FILE=projects.ini).
"""
import sys

from dlrn.api import app  # noqa: E402  (reads CONFIG_FILE at import)

if __name__ == "__main__":
    port = int(sys.argv[1])
    app.run(host="127.0.0.1", port=port, threaded=True, use_reloader=False)
