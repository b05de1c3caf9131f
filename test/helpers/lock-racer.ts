// A process that races for results-folder locks: each stdin line "<dir> <start ms>" waits until that
// instant (so two racers call at the same moment), takes <dir>'s lock, answers "won", "refused" or
// "error <message>" on stdout, and keeps what it won until it exits (so the other racer meets a live owner).
import { createInterface } from 'node:readline';
import { lockFolder } from '../../src/results/lock.js';
import { UsageError } from '../../src/util/errors.js';

for await (const line of createInterface({ input: process.stdin })) {
  const [dir, at] = line.split(' ');
  while (Date.now() < Number(at)); // spin: a timer would add milliseconds of jitter
  let answer: string;
  try {
    lockFolder(dir!);
    answer = 'won';
  } catch (err) {
    answer =
      err instanceof UsageError && /in use by a running lossbench/.test(err.message) ? 'refused' : `error ${err}`;
  }
  process.stdout.write(`${answer}\n`);
}
