"""Versions written into every manifest and Report row: ours and Arelle's."""

from importlib.metadata import version

# NOTE: kept out of __init__.py: the venv's editable install maps xbrl_task as a namespace
# package when the repository root is not on sys.path, and then __init__ is never run.
__version__ = "0.1.0"

ARELLE_VERSION = version("arelle-release")
PROCESSOR = f"arelle-release {ARELLE_VERSION}; ledgergraph xbrl_task {__version__}"
