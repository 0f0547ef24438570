"""Route tickets to the cheapest model that can handle them; post the triage to the helpdesk webhook."""
import csv

import dspy
import litellm
import requests

CHEAP = "gpt-4o-mini"
STRONG = "anthropic/claude-3-5-sonnet-20241022"
WEBHOOK = "https://hooks.helpdesk.example.com/v2/triage"

lm = dspy.LM("openai/gpt-4o-mini", max_tokens=300)
dspy.configure(lm=lm)


class Triage(dspy.Signature):
    """Decide the team that owns a ticket."""

    ticket: str = dspy.InputField()
    team: str = dspy.OutputField()


triage = dspy.Predict(Triage)


def route(ticket: str) -> str:
    model = STRONG if len(ticket) > 2000 else CHEAP
    reply = litellm.completion(model=model, messages=[{"role": "user", "content": ticket}])
    return reply.choices[0].message.content


def run(path="exports/open_tickets.csv"):
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            team = triage(ticket=row["body"]).team
            draft = route(row["body"])
            requests.post(WEBHOOK, json={"id": row["id"], "team": team, "draft": draft}, timeout=10)
