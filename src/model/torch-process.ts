// What a torch process costs the host before it holds a single tensor of the scenario: each torch rank (and
// the worker that starts them) is a Python process that has imported torch and joined a gloo group.
// Measured on torch 2.11 (CPU build, gloo initialised, one small step): RssAnon 275 MB per process, plus
// 231 MB of file-backed pages (torch's libraries) that all of them share. The fit check counts the private
// part per process; W ranks on a 2-core host also take seconds each to start (bench refuses W far above the
// core count without --force: src/harness/world-check.ts).
export const TORCH_PROCESS_HOST_BYTES = 275e6;
