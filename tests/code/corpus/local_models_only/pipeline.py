"""Offline document tagging: every model runs on this machine (no third party sees the data)."""
import faiss
import numpy as np
import ollama
import torch
from sentence_transformers import SentenceTransformer
from transformers import AutoModelForSequenceClassification, AutoTokenizer

CLASSIFIER = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
REVISION = "714eb0fa89d2f80546fda750413ed43d93601a13"

tokenizer = AutoTokenizer.from_pretrained(CLASSIFIER, revision=REVISION)
classifier = AutoModelForSequenceClassification.from_pretrained(CLASSIFIER, revision=REVISION)
encoder = SentenceTransformer("./models/minilm-l6")
head = torch.load("./models/tagger_head.pt", weights_only=True)


def tag(texts):
    vectors = encoder.encode(texts)
    index = faiss.IndexFlatL2(vectors.shape[1])
    index.add(np.asarray(vectors, dtype="float32"))
    faiss.write_index(index, "indexes/docs.faiss")
    labels = []
    for text in texts:
        inputs = tokenizer(text, return_tensors="pt")
        labels.append(int(classifier(**inputs).logits.argmax()))
    summary = ollama.chat(model="llama3.1:8b", messages=[{"role": "user", "content": "\n".join(texts)}])
    return labels, summary["message"]["content"]


if __name__ == "__main__":
    with open("inbox/notes.txt", encoding="utf-8") as fh:
        print(tag(fh.read().split("\n\n")))
