#!/usr/bin/env bash
# Measures a model trained by scripts/train-default-model.sh with `flam eval` on the recipe's held-out sets,
# and times detection. Every number in models/default/MODEL_CARD.md comes from this script's reports.
#
#   scripts/evaluate-default-model.sh [MODEL] [CORPUS] [WORK]
#
# MODEL: a Flam model folder (default: models/default); CORPUS and WORK as for train-default-model.sh.
# Reports go to OUT (default WORK/eval)/<set>/report.{json,md}; timings to OUT/timing.txt.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODEL=${1:-$ROOT/models/default}
CORPUS=${2:-/work/data/corpus}
WORK=${3:-/work/data/default-model}
OUT=${OUT:-$WORK/eval}

# FLAM_DLL: a built Flam.Cli.dll to run instead of building this tree.
if [ -z "${FLAM_DLL:-}" ]; then
  dotnet build "$ROOT/src/Flam.Cli" -c Release --nologo -v q
  FLAM_DLL=$ROOT/src/Flam.Cli/bin/Release/net10.0/Flam.Cli.dll
fi
flam() { dotnet "$FLAM_DLL" "$@"; }
model=(--checkpoint "$MODEL" --batch 8)
mkdir -p "$OUT"

# Frame-level SED on mixtures whose events and backgrounds were never heard in training ("held-out"),
# and on mixtures of events whose labels never occur in training ("unseen-label").
# Also the false alarms of queries that name no sound of the set: made-up words, other languages, an empty-ish query.
absent=(--absent-query "xqzv blorf wug" --absent-query "flimber quandros teth" --absent-query "asdf qwer zxcv"
  --absent-query "Der Hund bellt laut" --absent-query "直升机在飞" --absent-query "el tren llega tarde" --absent-query ".")
for set in test unseen-label; do
  flam eval sed --manifest "$WORK/mixtures-$set/manifest.jsonl" "${absent[@]}" "${model[@]}" -o "$OUT/sed-$set" --force
done

# Clip-level: zero-shot classification (class = first tag) and retrieval on the held-out labelled clips; and the
# real-recording proxy: the held-out clips (both held-out splits) of the sources that are recordings of real sounds
# rather than game or synthesised effects (REAL_SOURCES), and the held-out ambience backgrounds.
REAL_SOURCES=${REAL_SOURCES:-free-sfx mod-sounds cdda-cc-sounds body-percussion openclonk ambience-blanket openttd-opensfx gcompris-qt-data voxelibre mesecraft petz animalia mobs-animal fsdd repixture everness antum x-farming xaenvironment advtrains mob-horse weather-shivajiva scratch tuxpaint-sounds openrct2-sfx}
pattern=$(printf '"package":"%s"|' $REAL_SOURCES); pattern=${pattern%|}
# Derived manifests are written beside the corpus, whose relative audio paths they use, and renamed into place, so an
# evaluation running beside this one never reads a half-written file (nor one whose command failed):
#   publish NAME COMMAND [ARGS...]
publish() {
  local name=$1 tmp; shift
  tmp=$(mktemp "$CORPUS/.$name.XXXXXX")
  "$@" > "$tmp" && chmod 644 "$tmp" && mv "$tmp" "$CORPUS/$name"
}
real_heldout() { cat "$CORPUS/events.test.jsonl" "$CORPUS/events.unseen-label.jsonl" | grep -E "$pattern" || true; }
publish events.real-heldout.jsonl real_heldout
# False alarms on real recordings: each clip of the proxy is one sound over its whole length (an event from 0 to its
# duration, named by its label), so every other label of the set is a query for a sound absent from it: the issue's
# "frames > 0.5 for queries absent from the clip" on recorded sounds rather than on mixtures. Near-synonymous labels
# ("crash" / "impact") count as absent, so this somewhat overstates the rate.
publish sed.real-heldout.jsonl jq -c '{audio, duration, captions: [.label], tags, events: [{text: .label, onset: 0, offset: .duration}], source: .package}' \
  "$CORPUS/events.real-heldout.jsonl"
flam eval sed --manifest "$CORPUS/sed.real-heldout.jsonl" "${model[@]}" -o "$OUT/sed-real-heldout" --force
# That set's frame AUROC has only the silence after each clip as negative frames, so it measures little more than
# sound against silence. The same recorded events mixed over the held-out backgrounds (the recipe's mixture rules, a
# fixed seed; made once, reused after) put ambience around every event, as in recordings of everyday events in a room.
flam synthesize --events "$CORPUS" --events-meta "$CORPUS/events.real-heldout.jsonl" \
  --backgrounds "$CORPUS" --backgrounds-meta "$CORPUS/backgrounds.test.jsonl" --listed-only \
  --count 300 --seed 5 --source-name mixtures-real-heldout --index-cache "$WORK/source-index" --out "$WORK/mixtures-real-heldout"
flam eval sed --manifest "$WORK/mixtures-real-heldout/manifest.jsonl" "${absent[@]}" "${model[@]}" -o "$OUT/sed-real-mixtures" --force
# Besides top-1 among all of a set's classes (94–150 here), the mean top-1 of 11-, 16- and 20-way episodes: the class
# counts of the issue's real-recording benchmarks, whose chance levels (9 %, 6 %, 5 %) differ from ours (~1 %).
ways=(--ways 11 --ways 16 --ways 20)
for set in test unseen-label; do
  flam eval zeroshot --manifest "$CORPUS/events.$set.jsonl" --template "the sound of {0}" "${ways[@]}" "${model[@]}" -o "$OUT/zeroshot-$set" --force
  flam eval retrieval --manifest "$CORPUS/events.$set.jsonl" "${model[@]}" -o "$OUT/retrieval-$set" --force
done
for set in events.real-heldout backgrounds.test; do
  flam eval zeroshot --manifest "$CORPUS/$set.jsonl" --template "the sound of {0}" "${ways[@]}" "${model[@]}" -o "$OUT/zeroshot-$set" --force
done
# The bare class name (the command's default prompt) as well: the model was trained on captions and bare tags, and
# the prompt alone moves these numbers by a few points.
for set in events.test events.unseen-label events.real-heldout; do
  flam eval zeroshot --manifest "$CORPUS/$set.jsonl" "${ways[@]}" "${model[@]}" -o "$OUT/zeroshot-bare-$set" --force
done

# Paraphrase robustness: every held-out label asked in three wordings (the corpus metadata maps the mixtures'
# event captions to their labels, which the table is keyed by).
for set in test unseen-label; do
  flam eval paraphrase --manifest "$WORK/mixtures-$set/manifest.jsonl" --paraphrases "$ROOT/data/corpus/paraphrases.tsv" \
    --corpus-meta "$CORPUS/events.$set.jsonl" "${model[@]}" -o "$OUT/paraphrase-$set" --force
done

# Detection time: one clip (process start + model load + one clip) vs 21 clips; the difference gives the time
# per clip with the load amortised, GNU time the peak resident memory.
mapfile -t clips < <(ls "$WORK/mixtures-test/audio/"*.wav | head -21)
{
  for n in 1 21; do
    /usr/bin/time -f "clips=$n wall_s=%e max_rss_kb=%M" \
      dotnet "$FLAM_DLL" detect "${clips[@]:0:$n}" -q "glass breaking" -q "a dog barks" \
      --checkpoint "$MODEL" -o "$OUT/timing-$n.json" --force 2>&1 >/dev/null | tail -1
  done
} | tee "$OUT/timing.txt"
echo "reports in $OUT"
