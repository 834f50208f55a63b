# shellcheck shell=bash
# Shared paths for VoiceDesk scripts. Source it; it defines variables only.
# The cache lives outside the repository and is reused across clones and runs.
CACHE="${VOICEDESK_CACHE:-$HOME/.cache/voicedesk}"
LIVEKIT_VERSION="1.13.5"
LIVEKIT_BIN="$CACHE/bin/livekit-server"
LIVEKIT_VERSIONED_BIN="$CACHE/bin/livekit-server-v$LIVEKIT_VERSION"
# MinIO is a test-time tool (AGPL), never shipped: the S3 server the integration tests run on.
MINIO_VERSION="v0.0.0-20260212201848-7aac2a2c5b7c"
MINIO_BIN="$CACHE/bin/minio"
MINIO_VERSIONED_BIN="$CACHE/bin/minio-$MINIO_VERSION"
GO_BIN="${VOICEDESK_GO:-/usr/local/go/bin/go}"
export CACHE LIVEKIT_VERSION LIVEKIT_BIN LIVEKIT_VERSIONED_BIN MINIO_VERSION MINIO_BIN MINIO_VERSIONED_BIN GO_BIN
