"""Loads a DLRN fixture (commits, civotes, civotes_agg, promotions) into the DLRN database and creates the API user.

Usage: load.py <projects.ini> <db url> <fixture.yaml> <username> <password-file> [<username> <password-file>]...
               [--reset]
Every user named is created if missing (the promoter's, and others that move labels beside it). Runs once per fresh database; the caller keeps a marker so a second start does not load twice. --reset first
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
    args = [a for a in sys.argv[1:] if a != "--reset"]
    _projects_ini, db_url, fixture = args[:3]
    users = list(zip(args[3::2], args[4::2]))
    session = getSession(db_url)
    if "--reset" in sys.argv[1:]:
        for table in (Promotion, CIVote, CIVote_Aggregate, Commit):
            session.query(table).delete()
        session.commit()
    for username, password_file in users:
        with open(password_file) as fp:
            password = fp.read().strip()
        if session.query(User).filter(User.username == username).first() is None:
            session.add(User(username=username, password=sha512_crypt.hash(password)))
            session.commit()
    loadYAML(session, fixture)
    session.close()


if __name__ == "__main__":
    main()
