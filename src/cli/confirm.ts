// docker/cli's prompt before a destructive command (command.PromptForConfirmation): the question on
// stdout, one line from stdin, yes only for "y" or "yes"; no answer (stdin closed) is a no.
import { createInterface } from 'node:readline';

/** Asks `question`; resolves true only when the user answers y or yes. */
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
