"""Benchmarks of ProxySessionSettings side by side with aws-cdk-lib's AwsCustomResource."""
