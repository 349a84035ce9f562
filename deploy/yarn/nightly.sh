#!/usr/bin/env bash
# The nightly ImageNet evaluation on YARN (e.g. from cron: 0 1 * * * /opt/noiselens/deploy/yarn/nightly.sh).
# The run id is the UTC date, so a retry the same day replaces that night's partitions and nothing else.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../submit.sh" yarn "$here/../../conf/imagenet-resnet50.conf" --set "run.id=nightly-{date}" "$@"
