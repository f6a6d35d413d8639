"""Keys and ciphers: the only package that imports PyNaCl.

What is here: the recipes that seal case files and operational data, key files and
their passphrases, the recovery shares, the key vault and where it may live, and the
file modes every secret on disk gets.
"""

from intermediary.crypto.recipes import *  # noqa: F403
from intermediary.crypto.recipes import __all__ as __all__
