#!/usr/bin/env bash
# Installs Debian's chromium (and chromium-driver) for the timeline's browser tests (TimelineBrowserTest) when no
# Chromium is on the PATH. Run by the build (upgrade-testkit/pom.xml, profile install-chromium) before the tests, so
# that `mvn -B verify` -- the README's test command, which .ci/run calls -- needs no other step. Needs root and apt-get
# (as on CI); elsewhere it says so and the browser tests skip with a warning (under CI=true they fail instead).
# It never fails the build itself: the tests decide.
set -u
for name in chromium chromium-browser google-chrome; do
  if command -v "$name" >/dev/null 2>&1; then
    exit 0
  fi
done
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "osupgrade: Chromium is not installed and cannot be installed here (needs root and apt-get);" \
    "the timeline's browser tests will skip. To run them: apt-get install chromium chromium-driver" >&2
  exit 0
fi
echo "osupgrade: installing Debian's chromium and chromium-driver for the timeline's browser tests" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null; }; then
  echo "osupgrade: apt-get could not install chromium; the timeline's browser tests will skip (or fail under CI)" >&2
fi
exit 0
