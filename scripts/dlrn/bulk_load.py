"""Writes a generated DLRN data set (commits, CI votes, promotions) into a DLRN database in one transaction.

Usage: bulk_load.py <db url> <data.json> [--fk-indexes]
data.json: {"commits": [{"key", ...Commit columns}], "civotes": [{"commit": key, ...CIVote columns}],
            "civotes_agg": [...CIVote_Aggregate columns], "promotions": [{"commit": key, ...Promotion columns}]}
DLRN's own loadYAML commits after every row (minutes for a production-sized set); this uses DLRN's models and
session, so the API reads exactly what DLRN itself would have stored. Prints the commit ids by key as JSON.
--fk-indexes indexes the foreign keys (civotes.commit_id, promotions.commit_id) as MariaDB/InnoDB, which RDO's
DLRN runs on, does by itself; SQLite does not, and then every vote lookup scans the whole civotes table.
"""
import json
import sys

from sqlalchemy import text

from dlrn.db import CIVote
from dlrn.db import CIVote_Aggregate
from dlrn.db import Commit
from dlrn.db import getSession
from dlrn.db import Promotion


def main():
    db_url, data_file = sys.argv[1:3]
    with open(data_file) as fp:
        data = json.load(fp)
    session = getSession(db_url)
    commits = {}
    for row in data.get("commits", []):
        fields = dict(row)
        key = fields.pop("key")
        commits[key] = Commit(**fields)
        session.add(commits[key])
    session.flush()  # assigns the ids the votes and promotions point at
    for row in data.get("civotes", []):
        fields = dict(row)
        session.add(CIVote(commit_id=commits[fields.pop("commit")].id, **fields))
    for row in data.get("civotes_agg", []):
        session.add(CIVote_Aggregate(**row))
    for row in data.get("promotions", []):
        fields = dict(row)
        session.add(Promotion(commit_id=commits[fields.pop("commit")].id, **fields))
    session.commit()
    if "--fk-indexes" in sys.argv[3:]:
        for table in ("civotes", "promotions"):
            session.execute(text("CREATE INDEX IF NOT EXISTS ix_%s_commit_id ON %s (commit_id)" % (table, table)))
        session.commit()
    print(json.dumps({key: c.id for key, c in commits.items()}))
    session.close()


if __name__ == "__main__":
    main()
