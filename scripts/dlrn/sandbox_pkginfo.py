"""A pkginfo driver for an offline DLRN: packages and their components come from <datadir>/packages.json.

DLRN's own drivers fetch rdoinfo or git repos from the network; the API only needs the package -> component map
to build aggregate repo files when a label is promoted with use_components.
"""
import json
import os

from dlrn.drivers.pkginfo import PkgInfoDriver


class SandboxPkgInfo(PkgInfoDriver):
    def getpackages(self, **kwargs):
        path = os.path.join(self.config_options.datadir, "packages.json")
        if not os.path.exists(path):
            return []
        with open(path) as fp:
            return json.load(fp)
