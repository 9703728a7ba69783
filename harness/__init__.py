"""Test harness: local stand-ins for AWS services, so tests exercise real boto3 clients offline.

`harness.emulator` serves the Amazon Chime SDK Voice proxy-session REST API on loopback, with
in-memory state and switchable faults (throttling, 5xx bursts, latency, resets, hangs).
`harness.runtime_api` serves the Lambda Runtime API with real deadlines, and
`harness.lambda_runner` runs the Lambda asset under AWS's runtime interface client against it.
"""
