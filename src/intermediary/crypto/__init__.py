"""Keys and ciphers: the only package that imports PyNaCl.

The service must be able to *write* a case file that it cannot *read back*. Each case has
its own X25519 key pair: the service keeps the public half, the private half exists only
sealed to the case's counsellor (and to the recovery quorum). What the service has to
read itself (routing, pending texts, the outbox) is encrypted under a key derived from
its own operational secret. Keeping every recipe in this package leaves one place to
review.

Every failure to decrypt or verify raises :class:`~intermediary.errors.IntegrityError`
naming only *what* failed: a wrong key, a truncated blob and a swapped row look alike on
purpose, and no message ever carries key material or plaintext.

The recipes, one job a module (each re-exported here, so ``crypto.seal_entry`` is the
way to call them; inside the package a module imports from the module that holds it):

- :mod:`~intermediary.crypto.keys`: the key types, the service's subkeys;
- :mod:`~intermediary.crypto.casefile`: case keys sealed to their holders, entries, the
  reporter's identity, the shred seal;
- :mod:`~intermediary.crypto.entry_sealer`: entries sealed at the rate messages arrive;
- :mod:`~intermediary.crypto.operational`: what the service reads back (routing,
  pending texts, the outbox) and the keyed hashes it recognises rows by;
- :mod:`~intermediary.crypto.receipts`: receipt phrases and their keyed hashes;
- :mod:`~intermediary.crypto.signing`: digests and signatures anyone can check;
- :mod:`~intermediary.crypto.keyfiles`: key files under a passphrase;
- :mod:`~intermediary.crypto.kdf`: what a passphrase guess costs;
- :mod:`~intermediary.crypto.primitives`: sizes, the AEAD and labels they share.

Beside them, imported by their own name: :mod:`~intermediary.crypto.passphrase` (how
strong a new passphrase must be), :mod:`~intermediary.crypto.recovery` (the recovery
shares), :mod:`~intermediary.crypto.vault` (the key vault), :mod:`~intermediary.crypto.placement`
(where it may live) and :mod:`~intermediary.crypto.files` (the modes of every file on disk).
"""

from intermediary.crypto.casefile import (
    new_case_keypair,
    new_shred_key,
    open_case_secret,
    open_entry,
    open_identity,
    seal_case_secret,
    seal_entry,
    seal_identity,
    shred_open,
    shred_seal,
)
from intermediary.crypto.entry_sealer import EntrySealer
from intermediary.crypto.kdf import INTERACTIVE, MIN, MODERATE, SENSITIVE, KdfLimits
from intermediary.crypto.keyfiles import (
    KeyFileUnusable,
    load_counsellor_key,
    load_service_keys,
    read_key_file_public,
    save_counsellor_key,
    save_service_keys,
)
from intermediary.crypto.keys import (
    BoxPublicKey,
    CasePublicKey,
    CaseSecret,
    CounsellorKey,
    ServiceKeys,
    ServiceVerifyKey,
    derived_secret,
)
from intermediary.crypto.operational import (
    blind_index,
    check_entry_mac,
    check_row_mac,
    entry_mac,
    event_index,
    lane_index,
    op_decrypt,
    op_encrypt,
    reporter_lookup,
    reporter_tag,
    row_mac,
    term_index,
)
from intermediary.crypto.receipts import (
    check_passphrase,
    check_receipt,
    hash_passphrase,
    hash_receipt,
    new_receipt_passphrase,
    normalise_passphrase,
)
from intermediary.crypto.signing import (
    digest,
    new_signing_seed,
    sign,
    sign_with_seed,
    signing_public,
    verify_signature,
    verify_with_public,
)

__all__ = [
    "INTERACTIVE",
    "MIN",
    "MODERATE",
    "SENSITIVE",
    "BoxPublicKey",
    "CasePublicKey",
    "CaseSecret",
    "CounsellorKey",
    "EntrySealer",
    "KdfLimits",
    "KeyFileUnusable",
    "ServiceKeys",
    "ServiceVerifyKey",
    "blind_index",
    "check_entry_mac",
    "check_passphrase",
    "check_receipt",
    "check_row_mac",
    "derived_secret",
    "digest",
    "entry_mac",
    "event_index",
    "hash_passphrase",
    "hash_receipt",
    "lane_index",
    "load_counsellor_key",
    "load_service_keys",
    "new_case_keypair",
    "new_receipt_passphrase",
    "new_shred_key",
    "new_signing_seed",
    "normalise_passphrase",
    "op_decrypt",
    "op_encrypt",
    "open_case_secret",
    "open_entry",
    "open_identity",
    "read_key_file_public",
    "reporter_lookup",
    "reporter_tag",
    "row_mac",
    "save_counsellor_key",
    "save_service_keys",
    "seal_case_secret",
    "seal_entry",
    "seal_identity",
    "shred_open",
    "shred_seal",
    "sign",
    "sign_with_seed",
    "signing_public",
    "term_index",
    "verify_signature",
    "verify_with_public",
]
