#!/usr/bin/env python3
"""Builds a tiny RoBERTa-style tokenizer (ids < 1000) from GPT-2's files in ../gpt2.

ids 0-3: <s>, <pad>, </s>, <unk> (RoBERTa's special ids); 4-259: the 256 byte-level symbols in GPT-2's order;
260-999: the results of GPT-2's first 740 merges (merges.txt keeps exactly those), in rank order. A prefix of a BPE merge list is itself a valid
BPE, so this tokenizes exactly like GPT-2 stopped after 740 merges; the ids fit the micro fixture model (vocab 1000).
Run from this folder: python3 make_tiny.py
"""
import json

encoder = json.load(open("../gpt2/encoder.json", encoding="utf-8"))
merges = [l for l in open("../gpt2/vocab.bpe", encoding="utf-8").read().split("\n")[1:] if l]
by_id = sorted(encoder.items(), key=lambda kv: kv[1])
vocab = {"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}
for token, _ in by_id[:256]:
    vocab[token] = len(vocab)
kept = []
for line in merges:
    if len(vocab) >= 1000:
        break
    a, b = line.split(" ")
    if a + b not in vocab:
        vocab[a + b] = len(vocab)
    kept.append(line)
json.dump(vocab, open("vocab.json", "w", encoding="utf-8"), ensure_ascii=False)
open("merges.txt", "w", encoding="utf-8").write("#version: 0.2\n" + "\n".join(kept) + "\n")
