"""Drives matchforge serve with boto3, as a studio backend would.

Usage: boto3_client.py ENDPOINT. Prints one JSON object of what it saw.
"""
import json
import sys
import time

import boto3
import botocore.exceptions

endpoint = sys.argv[1]
gl = boto3.client(
    "gamelift",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="AKIDTEST",
    aws_secret_access_key="secret",
)
seen = {}
seen["configurations"] = [
    c["Name"] for c in gl.describe_matchmaking_configurations()["Configurations"]
]
ids = []
for i, skill in enumerate([10.0, 12.5]):
    t = gl.start_matchmaking(
        ConfigurationName="duel-standalone",
        TicketId="boto-%d" % i,
        Players=[{
            "PlayerId": "boto-player-%d" % i,
            "PlayerAttributes": {"skill": {"N": skill}},
            "LatencyInMs": {"us-east-1": 20},
        }],
    )["MatchmakingTicket"]
    ids.append(t["TicketId"])
    seen.setdefault("started", []).append(t["Status"])
    seen["startTimeType"] = type(t["StartTime"]).__name__
deadline = time.time() + 10
while time.time() < deadline:
    tickets = gl.describe_matchmaking(TicketIds=ids)["TicketList"]
    if all(t["Status"] == "COMPLETED" for t in tickets):
        break
    time.sleep(0.05)
seen["final"] = [t["Status"] for t in tickets]
seen["teams"] = sorted(p.get("Team", "") for t in tickets for p in t["Players"])
try:
    gl.start_matchmaking(ConfigurationName="nope", Players=[{"PlayerId": "x"}])
except gl.exceptions.NotFoundException as e:
    seen["error"] = e.response["Error"]["Code"]
    seen["message"] = e.response["Error"]["Message"]
except botocore.exceptions.ClientError as e:
    seen["error"] = "untyped " + e.response["Error"]["Code"]
print(json.dumps(seen))
