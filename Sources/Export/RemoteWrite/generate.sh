#!/usr/bin/env bash
# Regenerates remote_write.pb.swift from remote_write.proto (run when the .proto changes; the
# generated file is committed so that builds need neither protoc nor the plugin).
# Needs protoc (Debian: protobuf-compiler) and protoc-gen-swift of the swift-protobuf version in
# Package.swift, built once outside the repository:
#   git clone -b 1.39.0 https://github.com/apple/swift-protobuf /tmp/swift-protobuf
#   swift build -c release --package-path /tmp/swift-protobuf --product protoc-gen-swift
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
plugin=${PROTOC_GEN_SWIFT:-/tmp/swift-protobuf/.build/release/protoc-gen-swift}
protoc --plugin=protoc-gen-swift="$plugin" --swift_opt=Visibility=Public \
    --proto_path="$here" --swift_out="$here" "$here/remote_write.proto"
