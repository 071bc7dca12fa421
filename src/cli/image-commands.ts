// The image commands of the CLI, by name, loaded when used (main.ts merges them into its table): docker's
// top-level forms (pull, images, rmi, ...) and the `image` management command's (image ls, image rm, ...).
import type { Command } from './command.js';

const pull = async (): Promise<Command> => (await import('./commands/pull.js')).pull;
const images = async (): Promise<Command> => (await import('./commands/images.js')).images;
const rmi = async (): Promise<Command> => (await import('./commands/rmi.js')).rmi;
const tag = async (): Promise<Command> => (await import('./commands/tag.js')).tag;
const history = async (): Promise<Command> => (await import('./commands/history.js')).history;
const push = async (): Promise<Command> => (await import('./commands/push.js')).push;
const save = async (): Promise<Command> => (await import('./commands/save.js')).save;
const load = async (): Promise<Command> => (await import('./commands/load.js')).load;
const login = async (): Promise<Command> => (await import('./commands/login.js')).login;
const logout = async (): Promise<Command> => (await import('./commands/logout.js')).logout;
const prune = async (): Promise<Command> => (await import('./commands/image-prune.js')).imagePrune;
const df = async (): Promise<Command> => (await import('./commands/system-df.js')).systemDf;
const inspect = async (): Promise<Command> => (await import('./commands/image-inspect.js')).imageInspect;

/** Image commands by name. */
export const IMAGE_COMMANDS: Record<string, () => Promise<Command>> = {
  pull,
  images,
  rmi,
  tag,
  history,
  push,
  save,
  load,
  login,
  logout,
  'image pull': pull,
  'image push': push,
  'image history': history,
  'image save': save,
  'image load': load,
  'image prune': prune,
  'system df': df,
  'image ls': images,
  'image list': images,
  'image rm': rmi,
  'image remove': rmi,
  'image tag': tag,
  'image inspect': inspect,
};
