// What an answer is, and what a question is: one file per question in this folder (index.ts lists them).
import type { LossName } from '../../losses/types.js';
import type { RunInfo } from '../../results/run-info.js';
import type { Row } from '../series.js';

/** The question's short name: 'memory-scaling', 'communication', ... (one per file in answers/). */
export type AnswerTopic = string;

export interface Answer {
  topic: AnswerTopic;
  question: string;
  /** A sentence or two with the figures; when the data cannot settle it, what is missing. */
  answer: string;
  settled: boolean;
  /** The scenarios the answer rests on, compactly ("clip naive single, D=64: N=256…2048"). */
  basis: string[];
  /** When not settled: a bench command whose scenarios would settle it. */
  settle?: string;
  /** Where the full numbers are: report sections and chart files. */
  see: string[];
  /** The numbers behind the sentences, for --json. */
  data: Record<string, unknown>;
}

/**
 * One question a sweep is run for. `answer` works from whatever rows exist, any subset of any sweep:
 * where the rows cannot settle it, it says what is not measured and which bench command would measure it.
 */
export interface Question {
  topic: AnswerTopic;
  question: string;
  answer(rows: readonly Row[], info: RunInfo | null): Answer;
}

export const FLOAT32 = 4;
export const NAME: Record<LossName, string> = { clip: 'CLIP', siglip: 'SigLIP' };
