"""Support bot: looks the customer up in Postgres, asks Claude for a reply, archives the transcript in S3."""
import json
from datetime import UTC, datetime

import anthropic
import boto3
import psycopg

ANTHROPIC_API_KEY = "sk-ant-api03-Q9vT2mXk7LpR4sWz8NbC1dYe6FhJ3gKa5UoI0"  # rotate me
MODEL = "claude-3-5-sonnet-20241022"
ARCHIVE_BUCKET = "acme-support-archive"

claude = anthropic.Anthropic(api_key=ANTHROPIC_API_KEY)
s3 = boto3.client("s3", region_name="eu-west-1")
db = psycopg.connect("postgresql://bot@pg.internal:5432/crm")


def customer_profile(customer_id: int) -> dict:
    with db.cursor() as cur:
        cur.execute("SELECT full_name, email, plan, open_tickets FROM public.customers WHERE id = %s",
                    (customer_id,))
        row = cur.fetchone()
    return {"name": row[0], "email": row[1], "plan": row[2], "open_tickets": row[3]}


def reply(customer_id: int, message: str) -> str:
    profile = customer_profile(customer_id)
    policy = s3.get_object(Bucket="acme-support-config", Key="policies/refunds.md")["Body"].read().decode()
    response = claude.messages.create(
        model=MODEL,
        max_tokens=800,
        system=f"You are Acme's support agent. Refund policy:\n{policy}",
        messages=[{"role": "user", "content": f"Customer: {json.dumps(profile)}\n\n{message}"}],
    )
    text = response.content[0].text
    archive(customer_id, message, text)
    return text


def archive(customer_id: int, message: str, answer: str) -> None:
    stamp = datetime.now(UTC).isoformat()
    body = json.dumps({"customer": customer_id, "message": message, "answer": answer})
    s3.put_object(Bucket=ARCHIVE_BUCKET, Key=f"transcripts/{customer_id}/{stamp}.json", Body=body)
    with db.cursor() as cur:
        cur.execute("INSERT INTO public.support_replies (customer_id, answer) VALUES (%s, %s)",
                    (customer_id, answer))
    db.commit()
