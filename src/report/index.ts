// Public entry of the reports module for other commands (bench calls writeReport after a sweep).
export { writeReport, type ReportOptions, type ReportSummary } from './report.js';
export { compareRuns, type CompareOptions, type CompareSummary } from './compare.js';
export { scalingChecks, regressionChecks, CHECK_RULE, type ScalingCheck, type RegressionCheck } from './checks.js';
export { findings, type Finding } from './findings.js';
export { loadRun, type LoadedRun } from '../results/load.js';
