// docker's "Are you sure you want to continue? [y/N]" prompts (prune commands): a line on stdin that is
// y or yes answers yes; anything else, or no stdin at all (CI), answers no.
import { createInterface } from 'node:readline';

/** Writes `question` and reads one line of stdin. */
export function confirm(out: (s: string) => void, question: string): Promise<boolean> {
  out(question);
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(/^y(es)?$/i.test(line.trim()));
    });
    rl.once('close', () => {
      if (!answered) resolve(false);
    });
  });
}
