#!/usr/bin/env python3
"""Prints a SigV4-signed SQS request (JSON 1.0 protocol) as a wrk script: the same signed request
is sent over and over (a signature stays valid for 15 minutes, and nothing in SQS refuses a
replay). Usage: sqs_sign.py ENDPOINT ACCESS_KEY SECRET_KEY ACTION JSON_BODY > script.lua"""
import datetime
import hashlib
import hmac
import sys
import urllib.parse

endpoint, access_key, secret_key, action, body = sys.argv[1:6]
u = urllib.parse.urlsplit(endpoint)
path = (u.path.rstrip("/") or "") + "/"
now = datetime.datetime.now(datetime.timezone.utc)
amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
headers = {
    "content-type": "application/x-amz-json-1.0",
    "host": u.netloc,
    "x-amz-date": amz_date,
    "x-amz-target": f"AmazonSQS.{action}",
}
signed = ";".join(sorted(headers))
canonical = "\n".join([
    "POST", path, "",
    "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)),
    signed, hashlib.sha256(body.encode()).hexdigest(),
])
scope = f"{day}/fr-par/sqs/aws4_request"
to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
key = ("AWS4" + secret_key).encode()
for part in (day, "fr-par", "sqs", "aws4_request"):
    key = hmac.new(key, part.encode(), hashlib.sha256).digest()
sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
auth = f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, SignedHeaders={signed}, Signature={sig}"


def lua(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


print(f'wrk.method = "POST"\nwrk.path = {lua(path)}\nwrk.body = {lua(body)}')
for k, v in headers.items():
    if k != "host":
        print(f"wrk.headers[{lua(k)}] = {lua(v)}")
print(f'wrk.headers["Authorization"] = {lua(auth)}')
