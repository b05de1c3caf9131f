// Answers to the questions people bring to a sweep, each in a sentence or two with the figure and the
// scenarios it rests on, then where to look. findings.ts lists every ratio; these say what they add up
// to. One file per question; a new question is a new file and one entry in QUESTIONS.
import type { RunInfo } from '../../results/run-info.js';
import type { Row } from '../series.js';
import type { Answer, Question } from './answer.js';
import { chunkingCost } from './chunking-cost.js';
import { communication } from './communication.js';
import { largestBatch } from './largest-batch.js';
import { memoryScaling } from './memory-scaling.js';

export type { Answer, AnswerTopic, Question } from './answer.js';
export { basisOf } from './basis.js';

/** The questions, in the order a report asks them. */
export const QUESTIONS: readonly Question[] = [memoryScaling, communication, chunkingCost, largestBatch];

/** The marker of an answer whose analysis threw: tests look for it, a report still renders. */
export const NOT_ANSWERED = 'Not answered: this question could not be worked out from these rows';

/**
 * Each question's answer from whatever rows exist. An analysis that throws (a defect: every question is
 * meant to settle or say what is missing on any subset of a sweep) costs its own answer, never the report.
 */
export function answers(rows: readonly Row[], info: RunInfo | null, questions = QUESTIONS): Answer[] {
  return questions.map((q) => {
    try {
      return q.answer(rows, info);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      return {
        topic: q.topic,
        question: q.question,
        settled: false,
        answer: `${NOT_ANSWERED} (${why}); please report it with this folder's results.jsonl.`,
        basis: [],
        see: ['Results'],
        data: { error: why },
      };
    }
  });
}
