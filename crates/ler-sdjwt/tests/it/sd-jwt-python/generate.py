"""Regenerates the files beside this script with the IETF reference implementation of SD-JWT
(PyPI `sd-jwt` 0.10.4, the implementation RFC 9901's examples come from), signing with Ed25519:
an employment record issued by the test employer (seed 01…01) to the test worker (seed 02…02),
and the worker's presentation of title, start date and pay amount with a KB-JWT.

    python3 -m venv venv && venv/bin/pip install sd-jwt==0.10.4
    venv/bin/python generate.py

Salts and the KB-JWT's iat come from the library (random, and the clock), so each run writes
different files; the Rust test reads whatever is here.
"""

import json
import pathlib
from base64 import urlsafe_b64encode

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwcrypto.jwk import JWK
from sd_jwt.common import SDObj
from sd_jwt.holder import SDJWTHolder
from sd_jwt.issuer import SDJWTIssuer

HERE = pathlib.Path(__file__).parent
NONCE = "nonce-from-the-python-test"
AUD = "https://hr.example.org"


def b64(b: bytes) -> str:
    return urlsafe_b64encode(b).rstrip(b"=").decode()


def base58(b: bytes) -> str:
    alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n = int.from_bytes(b, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = alphabet[r] + out
    return "1" * (len(b) - len(b.lstrip(b"\0"))) + out


def key(seed: int):
    private = bytes([seed]) * 32
    public = Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()
    jwk = JWK(kty="OKP", crv="Ed25519", d=b64(private), x=b64(public))
    did = "did:key:z" + base58(bytes([0xED, 0x01]) + public)
    return jwk, did, did + "#" + did[len("did:key:"):]


issuer_jwk, issuer_did, issuer_kid = key(1)
holder_jwk, holder_did, _ = key(2)

claims = {
    "iss": issuer_did,
    "iat": 1750000000,
    "vct": "https://w3id.org/ler/employment/v1#EmploymentRecord",
    "sub": holder_did,
    SDObj("employer"): {"type": "Employer", "name": "Harbor Kitchens"},
    SDObj("positionTitle"): "Sous Chef",
    SDObj("startDate"): "2021-03-01",
    SDObj("endDate"): "2024-08-31",
    SDObj("pay"): {"type": "Pay", SDObj("amount"): 23.75, "currency": "USD", "period": "Hour"},
    "skills": ["knife work", SDObj("menu costing"), "food safety"],
}

issuer = SDJWTIssuer(
    claims,
    issuer_jwk,
    holder_key=holder_jwk,
    sign_alg="EdDSA",
    add_decoy_claims=True,
    extra_header_parameters={"typ": "dc+sd-jwt", "kid": issuer_kid},
)
holder = SDJWTHolder(issuer.sd_jwt_issuance)
holder.create_presentation(
    {"positionTitle": True, "startDate": True, "pay": {"amount": True}},
    nonce=NONCE,
    aud=AUD,
    holder_key=holder_jwk,
    sign_alg="EdDSA",
)

(HERE / "issuance.txt").write_text(issuer.sd_jwt_issuance + "\n")
(HERE / "presentation.txt").write_text(holder.sd_jwt_presentation + "\n")
(HERE / "kb.json").write_text(
    json.dumps({"nonce": NONCE, "aud": AUD, "iat": holder.key_binding_jwt_payload["iat"]}) + "\n"
)
