"""The crew-facing event store in DynamoDB (``CREW_EVENTS_TABLE``).

Table design: see docs/crew-events.md. ``pk``/``sk`` primary key; the ``by_crew`` index
(``gsi1pk`` = ``CREW#<email>``, ``gsi1sk`` = start time) finds one crew member's events
without scanning.
"""

from __future__ import annotations

from botocore.exceptions import ClientError
from django.conf import settings

from jada.aws import aws_client


def crew_events_table_ensure() -> bool:
    """Create the table and its index if missing. Returns True when created."""
    ddb = aws_client("dynamodb")
    name = settings.CREW_EVENTS_TABLE
    try:
        ddb.describe_table(TableName=name)
        return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise
    ddb.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "gsi1pk", "AttributeType": "S"},
            {"AttributeName": "gsi1sk", "AttributeType": "S"},
        ],
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by_crew",
                "KeySchema": [
                    {"AttributeName": "gsi1pk", "KeyType": "HASH"},
                    {"AttributeName": "gsi1sk", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
    )
    ddb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    return True
