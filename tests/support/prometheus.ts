// The real Prometheus tools for tests: the pinned binaries (never built by a test: a test without them
// fails naming the one command that builds them), their validators, and a Prometheus of a test's own on a
// data directory backfilled with samples the test arranged (scripts/lib/stack/scratch-prometheus.ts, which
// bench uses too), so that what a query answers depends on nothing but the test.
export { type OwnPrometheus, ownPrometheus, runTool, tool } from "../../scripts/lib/stack/scratch-prometheus.ts";
