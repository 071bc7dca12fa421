// `berth logout [SERVER]`: forgets the credentials `berth login` (or `docker login`) stored for the server.
import type { Command } from '../command.js';
import { configKey, eraseCredential, loginHost } from '../registry-credentials.js';

/** `berth logout`. */
export const logout: Command = {
  name: 'logout',
  usage: 'berth logout [SERVER]',
  summary: 'Log out from a registry',
  flags: [],
  args: { min: 0, max: 1 },
  async run(cli, _flags, [server]) {
    const host = loginHost(server);
    const shown = configKey(host);
    if (!eraseCredential(host)) {
      cli.out(`Not logged in to ${shown}\n`);
      return 0;
    }
    cli.out(`Removing login credentials for ${shown}\n`);
    return 0;
  },
};
