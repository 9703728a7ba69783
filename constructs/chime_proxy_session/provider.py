"""The one Lambda function per stack that backs every ProxySessionSettings in it."""

from __future__ import annotations

import shutil
from importlib import metadata
from pathlib import Path
from typing import Any, Final, cast

import jsii
from aws_cdk import (
    ArnFormat,
    AssetHashType,
    BundlingOptions,
    CfnResource,
    DockerImage,
    Duration,
    ILocalBundling,
    IStableAnyProducer,
    Lazy,
    RemovalPolicy,
    Stack,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from .contract import HANDLER_DIR, contract

PROVIDER_ID: Final = "ChimeProxySessionProvider"

RUNTIME: Final = lambda_.Runtime.PYTHON_3_14
FUNCTION_TIMEOUT: Final = Duration.minutes(2)
SERVICE_TIMEOUT: Final = Duration.minutes(5)
LOG_RETENTION: Final = logs.RetentionDays.ONE_MONTH


def handler_sources() -> list[Path]:
    """The handler modules that ship: every top-level ``.py`` file of the handler folder."""
    return sorted(path for path in HANDLER_DIR.glob("*.py") if path.is_file())


def _crhelper_files() -> list[tuple[Path, str]]:
    """crhelper's installed files (package and licence), as (source, path in the asset)."""
    distribution = metadata.distribution("crhelper")
    files: list[tuple[Path, str]] = []
    for entry in distribution.files or []:
        relative = str(entry)
        if "__pycache__" in relative or relative.endswith(".pyc"):
            continue
        if relative.startswith("crhelper/"):
            files.append((Path(str(distribution.locate_file(entry))), relative))
        elif relative.endswith(("LICENSE", "NOTICE")):
            files.append(
                (Path(str(distribution.locate_file(entry))), f"crhelper/{Path(relative).name}")
            )
    if not any(target == "crhelper/__init__.py" for _, target in files):
        raise RuntimeError(
            "crhelper is not installed where this library runs; install it "
            "(pip install crhelper==2.0.12) so the handler asset can include it."
        )
    return files


@jsii.implements(IStableAnyProducer)
class _DependsOnWithout:
    """The DependsOn of ``resource`` as CDK renders it, minus the resources in ``redundant``.

    Produced when the template is rendered, after CDK has turned construct dependencies into
    DependsOn, so dependencies added later (by CDK or by users) are kept.
    """

    def __init__(self, resource: CfnResource, redundant: CfnResource) -> None:
        self._resource = resource
        self._redundant_path = redundant.node.path

    def produce(self) -> Any:
        """The logical ids the resource still has to wait for, in CDK's order (by path)."""
        stack = Stack.of(self._resource)
        kept = [
            dependency
            for dependency in self._resource.obtain_dependencies()
            if isinstance(dependency, CfnResource)
            and Stack.of(dependency).node.path == stack.node.path
            and dependency.node.path != self._redundant_path
        ]
        kept.sort(key=lambda dependency: dependency.node.path)
        return [stack.get_logical_id(dependency) for dependency in kept] or None


@jsii.implements(ILocalBundling)
class _CopyBundler:
    """Bundles the asset by copying files: no Docker, no network, same bytes every time."""

    def try_bundle(self, output_dir: str, options: Any) -> bool:
        """Copy the handler modules and crhelper into ``output_dir``; never falls back to Docker."""
        out = Path(output_dir)
        for source in handler_sources():
            shutil.copyfile(source, out / source.name)
        for source, target in _crhelper_files():
            destination = out / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)
        return True


class ProxySessionProvider(Construct):
    """The function, its role and log group; shared by all ProxySessionSettings of a stack."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self._granted_update: set[str] = set()
        self._granted_delete: set[str] = set()

        self.log_group = logs.LogGroup(
            self,
            "Logs",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Applies Chime SDK Voice proxy-session settings for CloudFormation",
        )
        self.log_group.grant_write(self.role)
        self._update_statement = iam.PolicyStatement(actions=["chime:UpdateProxySession"])
        self._delete_statement = iam.PolicyStatement(actions=["chime:DeleteProxySession"])
        # Created on the first grant: a policy without statements does not synthesize.
        self.policy: iam.Policy | None = None

        self.function = lambda_.Function(
            self,
            "Handler",
            description=f"{contract.SETTINGS_RESOURCE_TYPE} (UpdateProxySession on create/update)",
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=lambda_.Code.from_asset(
                str(HANDLER_DIR),
                asset_hash_type=AssetHashType.OUTPUT,
                bundling=BundlingOptions(
                    image=DockerImage.from_registry("scratch"),
                    # jsii calls try_bundle(output_dir, options) with the options as one struct,
                    # not as the keyword arguments of the generated Protocol; hence the cast.
                    local=cast(ILocalBundling, _CopyBundler()),
                ),
            ),
            role=self.role,
            timeout=FUNCTION_TIMEOUT,
            memory_size=256,
            log_group=self.log_group,
        )
        # lambda.Function makes its resource depend on the whole role construct: the role and its
        # DefaultPolicy. The role is already referenced by GetAtt (cfn-lint W3005 flags the
        # DependsOn as redundant); the DefaultPolicy (log permissions) is not, so it stays.
        cfn_function = cast(CfnResource, self.function.node.default_child)
        cfn_role = cast(CfnResource, self.role.node.default_child)
        cfn_function.add_override("DependsOn", Lazy.any(_DependsOnWithout(cfn_function, cfn_role)))

    @property
    def service_token(self) -> str:
        """The function's ARN, the ServiceToken of every Custom::ChimeProxySessionSettings."""
        return self.function.function_arn

    def grant(self, voice_connector_id: str, *, delete: bool = False) -> iam.Policy:
        """Allow UpdateProxySession (and DeleteProxySession if ``delete``) on a voice connector.

        ProxySessionSettings calls this itself; call it for plain Custom::ChimeProxySessionSettings
        resources that use ``service_token``. Returns the policy, for resources to depend on.
        """
        arn = Stack.of(self).format_arn(
            service="chime",
            resource="vc",
            resource_name=voice_connector_id,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        policy = self.policy
        if policy is None:
            policy = self.policy = iam.Policy(self, "ChimePolicy", roles=[self.role])
            policy.add_statements(self._update_statement)
        if voice_connector_id not in self._granted_update:
            self._granted_update.add(voice_connector_id)
            self._update_statement.add_resources(arn)
        if delete and voice_connector_id not in self._granted_delete:
            if not self._granted_delete:
                policy.add_statements(self._delete_statement)
            self._granted_delete.add(voice_connector_id)
            self._delete_statement.add_resources(arn)
        return policy

    @classmethod
    def of(cls, scope: Construct) -> ProxySessionProvider:
        """Return the stack's provider, creating it on first use."""
        stack = Stack.of(scope)
        existing = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(existing, ProxySessionProvider):
            return existing
        if existing is not None:
            raise ValueError(
                f"Stack {stack.node.path} already has a child named {PROVIDER_ID!r} that is not "
                "the proxy-session provider; rename that construct."
            )
        return cls(stack, PROVIDER_ID)
