#!/usr/bin/env bash
# Submits one sharded run of the job in /etc/trawl/job.toml (on the EFS volume of
# job-definition.json) as an AWS Batch array job of SHARDS children, and a finalize job that
# starts when every child has succeeded:
#
#   aws batch register-job-definition --cli-input-json file://deploy/aws-batch/job-definition.json
#   deploy/aws-batch/submit.sh QUEUE [SHARDS]          # SHARDS: 2 to 10000, default 16
#
# Child K gets AWS_BATCH_JOB_ARRAY_INDEX=K from Batch and AWS_BATCH_JOB_ID=<array id>:K; trawl
# takes the shard from the first and the run id from the second (the array job's id), so the
# run's results are <results location>/estate-scan/run=<array id>/shard=<K>/.
set -euo pipefail

queue="${1:?usage: submit.sh QUEUE [SHARDS]}"
shards="${2:-16}"
definition="${TRAWL_JOB_DEFINITION:-trawl-scan}"
job="estate-scan"
job_file=/etc/trawl/job.toml
state=/var/lib/trawl/state.db

# The same number twice: the array's size and --shard-count (the definition's Ref::shards).
array_id="$(aws batch submit-job \
  --job-name "trawl-$job" \
  --job-queue "$queue" \
  --job-definition "$definition" \
  --array-properties "size=$shards" \
  --parameters "shards=$shards" \
  --query jobId --output text)"
echo "array job $array_id: $shards shards" >&2

# The run id is the array job's id. When a child fails (after the definition's retries) Batch
# fails this dependent job too without running it: submit the same command without
# --depends-on to have the missing or incomplete shards named.
finalize_id="$(aws batch submit-job \
  --job-name "trawl-$job-finalize" \
  --job-queue "$queue" \
  --job-definition "$definition" \
  --depends-on "jobId=$array_id" \
  --container-overrides "{\"command\": [\"job\", \"finalize\", \"$job\", \"$array_id\", \"--file\", \"$job_file\", \"--state\", \"$state\"], \"resourceRequirements\": [{\"type\": \"VCPU\", \"value\": \"1\"}, {\"type\": \"MEMORY\", \"value\": \"512\"}]}" \
  --query jobId --output text)"
echo "finalize job $finalize_id (after $array_id)" >&2
echo "$array_id"
