"""Lambda: summarise call transcripts with Claude on Bedrock, embed them with Titan, keep both in S3 and DuckDB."""
import json
import os

import boto3
import duckdb

REGION = "us-west-2"
SUMMARY_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
EMBED_MODEL = "amazon.titan-embed-text-v2:0"

bedrock = boto3.client("bedrock-runtime", region_name=REGION)
s3 = boto3.client("s3")
warehouse = duckdb.connect("analytics.duckdb")


def summarise(transcript: str) -> str:
    response = bedrock.converse(
        modelId=SUMMARY_MODEL,
        messages=[{"role": "user", "content": [{"text": f"Summarise this call:\n{transcript}"}]}],
        inferenceConfig={"maxTokens": 400},
    )
    return response["output"]["message"]["content"][0]["text"]


def embed(text: str) -> list[float]:
    body = json.dumps({"inputText": text})
    response = bedrock.invoke_model(modelId=EMBED_MODEL, body=body)
    return json.loads(response["body"].read())["embedding"]


def handler(event, context):
    key = event["Records"][0]["s3"]["object"]["key"]
    obj = s3.get_object(Bucket="acme-call-transcripts", Key=key)
    transcript = obj["Body"].read().decode("utf-8")
    summary = summarise(transcript)
    vector = embed(summary)
    s3.put_object(Bucket="acme-call-summaries", Key=f"summaries/{os.path.basename(key)}.json",
                  Body=json.dumps({"summary": summary, "embedding": vector}))
    warehouse.execute("INSERT INTO call_summaries VALUES (?, ?)", [key, summary])
    return {"statusCode": 200}
