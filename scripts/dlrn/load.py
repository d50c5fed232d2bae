"""Loads a DLRN fixture (commits, civotes, civotes_agg, promotions) into the DLRN database and creates the API user.

Usage: load.py <projects.ini> <db url> <fixture.yaml> <username> <password-file> [--reset]
Runs once per fresh database; the caller keeps a marker so a second start does not load twice. --reset first
deletes every commit, vote and promotion (users stay), so tests can put the sandbox back while the API runs.
"""
import sys

from dlrn.db import CIVote
from dlrn.db import CIVote_Aggregate
from dlrn.db import Commit
from dlrn.db import getSession
from dlrn.db import Promotion
from dlrn.db import User
from dlrn.utils import loadYAML
from passlib.hash import sha512_crypt


def main():
    _, _projects_ini, db_url, fixture, username, password_file = sys.argv[:6]
    session = getSession(db_url)
    if "--reset" in sys.argv[6:]:
        for table in (Promotion, CIVote, CIVote_Aggregate, Commit):
            session.query(table).delete()
        session.commit()
    with open(password_file) as fp:
        password = fp.read().strip()
    if session.query(User).filter(User.username == username).first() is None:
        session.add(User(username=username, password=sha512_crypt.hash(password)))
        session.commit()
    loadYAML(session, fixture)
    session.close()


if __name__ == "__main__":
    main()
