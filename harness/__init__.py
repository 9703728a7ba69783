"""Test harness: local stand-ins for AWS services, so tests exercise real boto3 clients offline.

`harness.emulator` serves the Amazon Chime SDK Voice proxy-session REST API on loopback, with
in-memory state and switchable faults (throttling, 5xx bursts, latency, resets, hangs, the end of
support of proxy sessions).
`harness.sts` serves STS's AssumeRole for the roles a test allows, issuing credentials whose
access key id tells which role they came from.
`harness.dynamodb` runs moto's DynamoDB in server mode for the function's claim table, and
`harness.cfn_template` resolves the environment a template gives the function.
`harness.runtime_api` serves the Lambda Runtime API with real deadlines, and
`harness.lambda_runner` runs the Lambda asset under AWS's runtime interface client against it,
with that environment (`LambdaRunner.for_assembly`); `harness.lifecycle` drives it as
CloudFormation would, and `harness.try_it` is `make try`.
"""

import sys
from pathlib import Path

# The project's source roots, as pytest's pythonpath sets them: lambda/ (the handler's modules,
# imported flat, proxy_contract among them) and constructs/ (the library). Appended, so the PyPI
# `constructs` package keeps precedence over anything in the repository.
_REPO = Path(__file__).resolve().parents[1]
for _root in (_REPO / "lambda", _REPO / "constructs"):
    if str(_root) not in sys.path:
        sys.path.append(str(_root))
