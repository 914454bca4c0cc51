#!/usr/bin/env python3
"""Writes a toy SED set for a quick `flam train` demo: short clips of faint noise with 1-2 events from three
synthetic classes (a 1 kHz beep, a hiss burst, a 200 Hz hum) at random times, plus JSONL manifests.
Usage: toy-sed-set.py OUT_DIR [TRAIN_CLIPS] [VAL_CLIPS] [SECONDS]. Standard library only."""
import json, math, os, random, struct, sys, wave

RATE = 48000
CLASSES = {
    "beep": lambda i, r: 0.4 * math.sin(2 * math.pi * 1000 * i / RATE),
    "hiss": lambda i, r: 0.5 * (r.random() - 0.5),
    "hum": lambda i, r: 0.5 * math.sin(2 * math.pi * 200 * i / RATE),
}
CAPTIONS = {"beep": "a high beep", "hiss": "a burst of hiss", "hum": "a low hum"}

def clip(path, seconds, r):
    n = int(seconds * RATE)
    x = [0.01 * (r.random() - 0.5) for _ in range(n)]
    events = []
    for name in r.sample(sorted(CLASSES), r.choice([1, 2])):
        length = round(r.uniform(0.2, 0.5) * seconds, 2)
        on = round(r.uniform(0, seconds - length), 2)
        for i in range(int(on * RATE), int((on + length) * RATE)):
            x[i] += CLASSES[name](i, r)
        events.append({"text": name, "onset": on, "offset": round(on + length, 2)})
    with wave.open(path, "wb") as w:
        w.setnchannels(1); w.setsampwidth(2); w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", max(-32768, min(32767, int(v * 32767)))) for v in x))
    return events

def main():
    out = sys.argv[1]
    counts = {"train": int(sys.argv[2]) if len(sys.argv) > 2 else 48, "val": int(sys.argv[3]) if len(sys.argv) > 3 else 12}
    seconds = float(sys.argv[4]) if len(sys.argv) > 4 else 2.0
    r = random.Random(0)
    os.makedirs(out, exist_ok=True)
    for split, count in counts.items():
        lines = []
        for c in range(count):
            name = f"{split}{c:03d}.wav"
            events = clip(os.path.join(out, name), seconds, r)
            tags = [e["text"] for e in events]
            lines.append(json.dumps({"audio": name, "duration": seconds, "captions": [" and ".join(CAPTIONS[t] for t in tags)],
                                     "tags": tags, "events": events, "source": "toy"}))
        with open(os.path.join(out, f"{split}.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")

main()
