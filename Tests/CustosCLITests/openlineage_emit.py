"""Emits OpenLineage events to Custos with the official Python client's HTTP transport,
as an Airflow or Spark integration would: gzip, bearer API key. Used by ServerProcessTests.

usage: openlineage_emit.py URL API_KEY
"""
import sys
import uuid
from datetime import datetime, timezone

from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.transport.http import ApiKeyTokenProvider, HttpCompression, HttpConfig, HttpTransport

url, key = sys.argv[1], sys.argv[2]
config = HttpConfig(url=url, auth=ApiKeyTokenProvider({"apiKey": key}), compression=HttpCompression.GZIP)
client = OpenLineageClient(transport=HttpTransport(config))
run = Run(runId=str(uuid.uuid4()))
job = Job(namespace="airflow", name="orders_daily")
now = datetime.now(timezone.utc).isoformat()
for state in (RunState.START, RunState.COMPLETE):
    client.emit(RunEvent(
        eventType=state, eventTime=now, run=run, job=job, producer="https://example.com/custos-test",
        inputs=[InputDataset(namespace="postgres://db:5432", name="shop.public.orders")],
        outputs=[OutputDataset(namespace="s3://lake", name="marts/orders_daily")],
    ))
print("emitted")
