#!/usr/bin/env bash
# Trains Flam's default model from the freely licensed corpus, resumably: run it again after an
# interruption and every finished step is kept (synthesis keeps rendered mixtures, training resumes
# from its last checkpoint). On 2 cores the whole recipe takes about 2 hours.
#
#   scripts/train-default-model.sh [CORPUS] [WORK]
#
# CORPUS: the corpus folder, built here by `flam corpus build` when it holds none yet (downloads Debian data
# packages, ~15 min; AMBIENCE names the extra folder of licensed ambience recordings); default /work/data/corpus.
# WORK: output (default /work/data/default-model).
# The corpus's own splits drive every hold-out: training sees only split "train" events and backgrounds;
# validation mixtures use split "validation"; the held-out test mixtures use split "test" events and
# backgrounds (never heard in training); the unseen-label mixtures use events whose label never occurs
# in training (split "unseen-label"), over test backgrounds.
set -euo pipefail

CORPUS=${1:-/work/data/corpus}
WORK=${2:-/work/data/default-model}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# Sizes of the recipe (environment overrides for quick trials).
TRAIN_MIXTURES=${TRAIN_MIXTURES:-5000}
EVAL_MIXTURES=${EVAL_MIXTURES:-300}
STAGE1_STEPS=${STAGE1_STEPS:-600}
STAGE2_STEPS=${STAGE2_STEPS:-2800}
BATCH=${BATCH:-16}

dotnet build "$ROOT/src/Flam.Cli" -c Release --nologo -v q
flam() { dotnet "$ROOT/src/Flam.Cli/bin/Release/net10.0/Flam.Cli.dll" "$@"; }

mkdir -p "$WORK"
if [ ! -f "$CORPUS/events.jsonl" ]; then
  flam corpus build --out "$CORPUS" --cache "${CORPUS_CACHE:-$CORPUS-cache}" --folder "${AMBIENCE:-$ROOT/../shared/data/ambience-blanket}"
fi
# One metadata file per corpus split, next to the corpus so its relative audio paths stay valid.
for split in train validation test unseen-label; do
  for kind in events backgrounds; do
    grep -F "\"split\":\"$split\"" "$CORPUS/$kind.jsonl" > "$CORPUS/$kind.$split.jsonl.tmp" || true
    mv "$CORPUS/$kind.$split.jsonl.tmp" "$CORPUS/$kind.$split.jsonl"
  done
done

mix() { # name events-split backgrounds-split count seed
  flam synthesize --events "$CORPUS" --events-meta "$CORPUS/events.$2.jsonl" \
    --backgrounds "$CORPUS" --backgrounds-meta "$CORPUS/backgrounds.$3.jsonl" --listed-only \
    --count "$4" --seed "$5" --source-name "mixtures-$1" --index-cache "$WORK/source-index" --out "$WORK/mixtures-$1"
}
mix train train train "$TRAIN_MIXTURES" 1
mix validation validation validation 100 2
mix test test test "$EVAL_MIXTURES" 3
mix unseen-label unseen-label test "$EVAL_MIXTURES" 4

common=(--config cpu-small --text-tower minilm --batch-size "$BATCH" --seed 0 --resume
        --logmel-cache "$WORK/logmel-cache" --checkpoint-every 100 --keep 2)

# Stage 1: global contrastive loss on the labelled training clips ("caption, tag" texts).
flam train --stage 1 --train "$CORPUS/events.train.jsonl" --train "$CORPUS/backgrounds.train.jsonl" \
  --steps "$STAGE1_STEPS" --lr 5e-4 --warmup 50 --validate-every 1000000 "${common[@]}" --out "$WORK/stage1"

# Stage 2: global + frame-wise SED + prior losses on the training mixtures, from stage 1.
flam train --stage 2 --init "$WORK/stage1/model.safetensors" --train "$WORK/mixtures-train/manifest.jsonl" \
  --val "$WORK/mixtures-validation/manifest.jsonl" --validate-every 250 \
  --steps "$STAGE2_STEPS" --lr 3e-4 --warmup 50 "${common[@]}" --out "$WORK/stage2"

echo "default model: $WORK/stage2/best (highest validation frame AUROC) and $WORK/stage2/model.safetensors (last step)"
