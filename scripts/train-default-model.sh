#!/usr/bin/env bash
# Trains Flam's default model from the freely licensed corpus, resumably: run it again after an
# interruption and every finished step is kept (synthesis keeps rendered mixtures, training resumes
# from its last checkpoint). On 2 cores the whole recipe takes about 2 hours.
#
#   scripts/train-default-model.sh [CORPUS] [WORK]
#
# CORPUS: the corpus folder, built (or brought up to date, a few seconds when nothing changed) by `flam corpus build`:
# it downloads Debian data packages (~15 min the first time), reads the git sources of data/corpus/git-sources.json
# at their pinned commits from clones under GIT_ROOT (each "owner/name" as GIT_ROOT/owner/name; `git clone` them
# first, see docs/corpus.md; without GIT_ROOT only the Debian packages are used), and AMBIENCE names the extra folder
# of licensed ambience recordings; default /work/data/corpus.
# WORK: output (default /work/data/default-model).
# INIT: optional weights to start stage 1 from (the shipped model was trained with INIT = the previous default
# model, to fit the training into the CPU time at hand; without INIT stage 1 starts from random weights and needs
# STAGE1_STEPS of a few thousand).
# The corpus's own splits drive every hold-out: training sees only split "train" events and backgrounds;
# validation mixtures use split "validation"; the held-out test mixtures use split "test" events and
# backgrounds (never heard in training); the unseen-label mixtures use events whose label never occurs
# in training (split "unseen-label"), over test backgrounds.
set -euo pipefail

CORPUS=${1:-/work/data/corpus}
WORK=${2:-/work/data/default-model}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# Sizes of the recipe (environment overrides for quick trials).
TRAIN_MIXTURES=${TRAIN_MIXTURES:-6000}
EVAL_MIXTURES=${EVAL_MIXTURES:-300}
STAGE1_STEPS=${STAGE1_STEPS:-800}
STAGE2_STEPS=${STAGE2_STEPS:-1600}
BATCH=${BATCH:-16}
STAGE1_LR=${STAGE1_LR:-5e-4}
STAGE2_LR=${STAGE2_LR:-3e-4}
# Discrimination (docs/training.md, "Absent sounds"): the decision loss on the unbiased logit, texts of sounds absent
# from the batch and made-up texts as negatives.
DECISION_WEIGHT=${DECISION_WEIGHT:-10}
NEGATIVE_TEXTS=${NEGATIVE_TEXTS:-2}
NONSENSE_TEXTS=${NONSENSE_TEXTS:-0.2}
# STAGE2_CLIPS=1: stage 2 also samples stage 1's labelled clips (global loss only; half of each batch) and keeps the
# input batch norm's statistics from stage 1 (--freeze audio_branch.bn0), as the paper's stage 2 retains the global
# data. Measured better zero-shot, slightly lower validation AUROC (docs/training.md, "Stage 2 with the labelled
# clips"); off by default, which is how the shipped model was trained.
STAGE2_CLIPS=${STAGE2_CLIPS:-0}
# STAGE2B_STEPS > 0: after stage 2, continue it for that many steps with stage 1's labelled clips back in (global loss
# only) and bn0's statistics kept, 4 absent texts per clip, half of them the nearest texts of the batch, batch 24, at
# STAGE2B_LR. The shipped model is run 4's stage 2 continued so (300 steps, 5e-5): better zero-shot, retrieval and
# absent-text false alarms (docs/training.md, "Continuing stage 2 with the labelled clips").
STAGE2B_STEPS=${STAGE2B_STEPS:-0}
STAGE2B_LR=${STAGE2B_LR:-5e-5}
# MINED_NEGATIVES: in that continuation, the part of the negative texts mined by the model itself (the vocabulary texts
# it scores highest on the batch's clips; docs/training.md, "Mined negative texts") instead of drawn at random. The
# shipped model used 0.5: fewer false alarms of absent sounds and better zero-shot than 0 (the default, the older recipe).
MINED_NEGATIVES=${MINED_NEGATIVES:-0}
# STAGE2B_DECISION_NEGATIVE: in that continuation, the weight of an absent-sound frame against a present one in the
# decision loss (--decision-negative-weight; 1 = class-balanced, the older recipe). The shipped model used 2 (on corpora 7,
# 8 and 9 in turn): fewer false alarms at the same frame AUROC (docs/training.md, "Corpus 7").
STAGE2B_DECISION_NEGATIVE=${STAGE2B_DECISION_NEGATIVE:-1}

# FLAM_DLL: a built Flam.Cli.dll to run instead of building this tree (a copy keeps a long run safe from rebuilds).
if [ -z "${FLAM_DLL:-}" ]; then
  dotnet build "$ROOT/src/Flam.Cli" -c Release --nologo -v q
  FLAM_DLL=$ROOT/src/Flam.Cli/bin/Release/net10.0/Flam.Cli.dll
fi
flam() { dotnet "$FLAM_DLL" "$@"; }

mkdir -p "$WORK"
git_sources=()
if [ -n "${GIT_ROOT:-}" ]; then git_sources=(--git-root "$GIT_ROOT"); fi
flam corpus build --out "$CORPUS" --cache "${CORPUS_CACHE:-$CORPUS-cache}" --folder "${AMBIENCE:-$ROOT/../shared/data/ambience-blanket}" "${git_sources[@]}"
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

common=(--config cpu-small --text-tower minilm --seed 0 --resume --logmel-cache "$WORK/logmel-cache" --checkpoint-every 100 --keep 2)

# Stage 1: global contrastive loss on the labelled training clips ("caption, tag" texts).
init=()
if [ -n "${INIT:-}" ]; then init=(--init "$INIT"); fi
flam train --stage 1 "${init[@]}" --train "$CORPUS/events.train.jsonl" --train "$CORPUS/backgrounds.train.jsonl" \
  --steps "$STAGE1_STEPS" --lr "$STAGE1_LR" --warmup 50 --validate-every 1000000 --batch-size "$BATCH" "${common[@]}" --out "$WORK/stage1"

# Stage 2: global + frame-wise SED + prior losses on the training mixtures, from stage 1.
stage2_clips=()
if [ "$STAGE2_CLIPS" = 1 ]; then
  stage2_clips=(--train "$CORPUS/events.train.jsonl" --train "$CORPUS/backgrounds.train.jsonl" --freeze audio_branch.bn0)
fi
flam train --stage 2 --init "$WORK/stage1/model.safetensors" --train "$WORK/mixtures-train/manifest.jsonl" "${stage2_clips[@]}" \
  --val "$WORK/mixtures-validation/manifest.jsonl" --validate-every 250 \
  --decision-weight "$DECISION_WEIGHT" --negative-texts "$NEGATIVE_TEXTS" --nonsense-texts "$NONSENSE_TEXTS" \
  --steps "$STAGE2_STEPS" --lr "$STAGE2_LR" --warmup 50 --batch-size "$BATCH" "${common[@]}" --out "$WORK/stage2"

if [ "$STAGE2B_STEPS" -gt 0 ]; then
  flam train --stage 2 --init "$WORK/stage2/model.safetensors" --train "$WORK/mixtures-train/manifest.jsonl" \
    --train "$CORPUS/events.train.jsonl" --train "$CORPUS/backgrounds.train.jsonl" --freeze audio_branch.bn0 \
    --val "$WORK/mixtures-validation/manifest.jsonl" --validate-every 100 \
    --decision-weight "$DECISION_WEIGHT" --decision-negative-weight "$STAGE2B_DECISION_NEGATIVE" --negative-texts 4 --hard-negatives 0.5 --mined-negatives "$MINED_NEGATIVES" --nonsense-texts "$NONSENSE_TEXTS" \
    --steps "$STAGE2B_STEPS" --lr "$STAGE2B_LR" --warmup 30 --batch-size 24 "${common[@]}" --out "$WORK/stage2b"
  echo "default model: $WORK/stage2b/model.safetensors (last step)"
else
  echo "default model: $WORK/stage2/best (highest validation frame AUROC) and $WORK/stage2/model.safetensors (last step)"
fi
