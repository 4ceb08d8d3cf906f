#!/usr/bin/env python3
"""Whole-file encrypt/decrypt of an EpilogLite encrypted database (ENCRYPTION.md, format 1),
written independently of the Rust code with Python's `cryptography` (OpenSSL).

  dbcrypt.py decrypt IN OUT KEY   encrypted db -> plain SQLite db (keeps 28 reserved bytes)
  dbcrypt.py encrypt IN OUT KEY   plain SQLite db whose header byte 20 is 28 -> encrypted db

KEY is "x'<64 hex>'" (a raw key) or a passphrase (Argon2id v1.3, m=64 MiB, t=3, p=4, with
the file's salt), as for `PRAGMA key`. Used by tests/crypto_interop.rs, and as an audit or
recovery tool. A page that does not verify stops decryption with exit status 2.
"""
import os
import re
import struct
import sys

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

R = 28
MAGIC = b"SQLite format 3\0"


def derive(key_text, salt):
    m = re.fullmatch(r"[xX]'(.*)'", key_text, re.S)
    if m:
        h = m.group(1)
        if not re.fullmatch(r"[0-9a-fA-F]{64}", h):
            sys.exit("bad raw key")
        return bytes.fromhex(h)
    kdf = Argon2id(salt=salt, length=32, iterations=3, lanes=4, memory_cost=65536)
    return kdf.derive(key_text.encode())


def page_size_of(data):
    raw = struct.unpack(">H", data[16:18])[0]
    return 65536 if raw == 1 else raw


def aad(salt, pgno, ps, page1_hdr):
    a = salt + struct.pack(">II", pgno, ps) + bytes([1])
    if pgno == 1:
        a += MAGIC + page1_hdr
    return a


def decrypt(data, key_text):
    ps = page_size_of(data)
    if data[20] != R or len(data) % ps:
        sys.exit("not an encrypted database of format 1")
    salt = data[:16]
    g = AESGCM(derive(key_text, salt))
    out = bytearray()
    for i in range(len(data) // ps):
        pgno = i + 1
        page = data[i * ps:(i + 1) * ps]
        start = 24 if pgno == 1 else 0
        nonce, tag = page[ps - R:ps - 16], page[ps - 16:]
        try:
            pt = g.decrypt(nonce, page[start:ps - R] + tag, aad(salt, pgno, ps, page[16:24]))
        except InvalidTag:
            print(f"page {pgno} does not verify", file=sys.stderr)
            sys.exit(2)
        head = (MAGIC + page[16:24]) if pgno == 1 else b""
        out += head + pt + bytes(R)
    return bytes(out)


def encrypt(data, key_text):
    ps = page_size_of(data)
    if data[:16] != MAGIC or data[20] != R or len(data) % ps:
        sys.exit("input must be a SQLite database with 28 reserved bytes per page")
    salt = os.urandom(16)
    g = AESGCM(derive(key_text, salt))
    out = bytearray()
    for i in range(len(data) // ps):
        pgno = i + 1
        page = data[i * ps:(i + 1) * ps]
        start = 24 if pgno == 1 else 0
        nonce = os.urandom(12)
        ct = g.encrypt(nonce, page[start:ps - R], aad(salt, pgno, ps, page[16:24]))
        head = (salt + page[16:24]) if pgno == 1 else b""
        out += head + ct[:-16] + nonce + ct[-16:]
    return bytes(out)


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in ("encrypt", "decrypt"):
        sys.exit(__doc__)
    op, src, dst, key_text = sys.argv[1:]
    with open(src, "rb") as f:
        data = f.read()
    result = decrypt(data, key_text) if op == "decrypt" else encrypt(data, key_text)
    with open(dst, "wb") as f:
        f.write(result)


if __name__ == "__main__":
    main()
