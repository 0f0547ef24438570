"""Fraud scoring: a synthetic training set with Faker, a hub model with remote code, a downloaded pickle."""
import pickle

import pandas as pd
from faker import Faker
from huggingface_hub import hf_hub_download
from transformers import AutoModel, AutoTokenizer

fake = Faker("en_GB")

rows = [{"name": fake.name(), "iban": fake.iban(), "amount": fake.pyfloat(min_value=10, max_value=5000)}
        for _ in range(10_000)]
pd.DataFrame(rows).to_parquet("data/synthetic_claims.parquet")

tokenizer = AutoTokenizer.from_pretrained("acme-labs/claims-encoder")
encoder = AutoModel.from_pretrained("acme-labs/claims-encoder", trust_remote_code=True)

weights = hf_hub_download(repo_id="acme-labs/fraud-gbm", filename="model.pkl")
with open(weights, "rb") as fh:
    scorer = pickle.load(fh)
