// The human status of a container, as docker's State.String() words it for `docker ps` and the API's
// ContainerSummary.Status: "Up 2 minutes (healthy)", "Exited (0) 3 seconds ago", "Created".
import { humanDuration } from '../../../base/human-units.js';

/** The state fields the status is made from (ContainerState's). */
export interface StateForStatus {
  Status: 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';
  ExitCode: number;
  StartedAt: string;
  FinishedAt: string;
  Health?: { Status: 'starting' | 'healthy' | 'unhealthy' | 'none' } | null;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function since(iso: string, now: number): string {
  return humanDuration(Math.max(0, now - Date.parse(iso)));
}

/** "Up 2 minutes", "Exited (137) 5 seconds ago"... */
export function statusText(s: StateForStatus, now = Date.now()): string {
  switch (s.Status) {
    case 'paused':
      return `Up ${since(s.StartedAt, now)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${since(s.FinishedAt, now)} ago`;
    case 'running': {
      const h = s.Health?.Status;
      const health =
        h === 'starting' ? ' (health: starting)' : h === 'healthy' || h === 'unhealthy' ? ` (${h})` : '';
      return `Up ${since(s.StartedAt, now)}${health}`;
    }
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      return s.FinishedAt === ZERO_TIME || !s.FinishedAt
        ? 'Exited'
        : `Exited (${s.ExitCode}) ${since(s.FinishedAt, now)} ago`;
  }
}
