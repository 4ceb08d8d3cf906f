#!/usr/bin/env python3
"""Independent generator of the committed encryption test vectors (src/crypto/tests.rs).

Uses Python's `cryptography` package (OpenSSL's AES-256-GCM and Argon2id), not our Rust code,
so the vectors pin the on-disk format of ENCRYPTION.md version 1 against a second
implementation. Run: python3 src/crypto/gen_vectors.py
"""
import struct
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

KEY = bytes(range(32))
SALT = bytes(range(0xA0, 0xB0))
NONCE = bytes(range(0xC0, 0xCC))
P = 512
R = 28
MAGIC = b"SQLite format 3\0"


def plain_page(pgno):
    if pgno == 1:
        hdr = MAGIC + struct.pack(">H", P) + bytes([1, 1, R, 64, 32, 32])
        return hdr + bytes(((i * 7 + 3) & 0xFF) for i in range(24, P))
    return bytes(((i * 13 + pgno) & 0xFF) for i in range(P))


def encrypt(pgno, pt):
    aad = SALT + struct.pack(">II", pgno, P) + bytes([1])
    start = 0
    if pgno == 1:
        aad += pt[:24]
        start = 24
    ct_tag = AESGCM(KEY).encrypt(NONCE, pt[start:P - R], aad)
    ct, tag = ct_tag[:-16], ct_tag[-16:]
    head = (SALT + pt[16:24]) if pgno == 1 else b""
    out = head + ct + NONCE + tag
    assert len(out) == P
    return out


for pgno in (1, 2):
    print(f"page {pgno}:")
    print(encrypt(pgno, plain_page(pgno)).hex())

kdf = Argon2id(salt=SALT, length=32, iterations=3, lanes=4, memory_cost=65536)
print("argon2id('correct horse battery staple'):")
print(kdf.derive(b"correct horse battery staple").hex())
