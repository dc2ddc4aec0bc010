#!/usr/bin/python3
# boto3 against a lab's AWS endpoint (tests/netns/aws_cli_test.sh): builds a VPC, a subnet, an instance and
# an S3 gateway endpoint, waits with botocore's waiter, pages with its paginator, and checks what it reads
# back. Usage: boto3_lab.py ENDPOINT_URL (credentials from the environment `vpclab aws-env` prints).
import sys

import boto3

ec2 = boto3.client("ec2", endpoint_url=sys.argv[1])
failures = []


def expect(what, ok):
    print(("ok - " if ok else "FAIL - ") + "boto3: " + what)
    if not ok:
        failures.append(what)


vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "boto3-vpc"}]}])["Vpc"]
subnet = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.7.1.0/24", AvailabilityZone="ap-northeast-2a")["Subnet"]
tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["RouteTables"]
endpoint = ec2.create_vpc_endpoint(VpcId=vpc["VpcId"], ServiceName="com.amazonaws.ap-northeast-2.s3",
                                   RouteTableIds=[tables[0]["RouteTableId"]])["VpcEndpoint"]
instance = ec2.run_instances(ImageId="ami-0c9c942bd7bf113a2", InstanceType="t3.micro", MinCount=1, MaxCount=1,
                             SubnetId=subnet["SubnetId"])["Instances"][0]
ec2.get_waiter("instance_running").wait(InstanceIds=[instance["InstanceId"]], WaiterConfig={"Delay": 1, "MaxAttempts": 60})

found = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": ["boto3-vpc"]}])["Vpcs"]
expect("describe_vpcs finds the VPC by its Name tag", [v["VpcId"] for v in found] == [vpc["VpcId"]])
expect("the subnet is in the VPC, in ap-northeast-2a",
       subnet["VpcId"] == vpc["VpcId"] and subnet["AvailabilityZone"] == "ap-northeast-2a")
expect("the gateway endpoint is available on the main route table",
       endpoint["VpcEndpointType"] == "Gateway" and endpoint["State"] == "available" and endpoint["RouteTableIds"] == [tables[0]["RouteTableId"]])
routes = ec2.describe_route_tables(RouteTableIds=[tables[0]["RouteTableId"]])["RouteTables"][0]["Routes"]
expect("the route table has the endpoint's prefix-list route",
       any(r.get("GatewayId") == endpoint["VpcEndpointId"] and r.get("DestinationPrefixListId", "").startswith("pl-") for r in routes))
reservations = ec2.describe_instances(InstanceIds=[instance["InstanceId"]])["Reservations"]
described = reservations[0]["Instances"][0]
expect("the instance is running in the subnet with an address from it",
       described["State"]["Name"] == "running" and described["SubnetId"] == subnet["SubnetId"] and described["PrivateIpAddress"].startswith("10.7.1."))
pages = list(ec2.get_paginator("describe_vpcs").paginate(PaginationConfig={"PageSize": 5}))
expect("the describe_vpcs paginator sees every VPC", sum(len(p["Vpcs"]) for p in pages) == len(ec2.describe_vpcs()["Vpcs"]))
sys.exit(1 if failures else 0)
