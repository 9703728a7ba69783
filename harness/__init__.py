"""Test harness: local stand-ins for AWS services, so tests exercise real boto3 clients offline.

`harness.emulator` serves the Amazon Chime SDK Voice proxy-session REST API on loopback, with
in-memory state and switchable faults (throttling, 5xx bursts, latency, resets, hangs).
`harness.sts` serves STS's AssumeRole for the roles a test allows, issuing credentials whose
access key id tells which role they came from.
"""
