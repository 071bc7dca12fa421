// `--mount type=bind,source=/a,target=/b,readonly` as docker's opts.MountOpt reads it: a CSV of key=value
// fields (a few may stand alone as booleans), with docker's key aliases and messages.
import type { Mount } from '../../../api/docker/container.js';
import { BerthError } from '../../base/errors.js';
import { ramInBytes } from './units.js';

/** CSV fields, honouring double quotes as encoding/csv does ("a=\"x,y\""). */
function csvFields(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') {
      if (quoted && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

function bool(key: string, value: string | undefined): boolean {
  if (value === undefined) return true;
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(value)) return false;
  throw new BerthError('InvalidArgument', `invalid value for ${key}: ${value}`);
}

/** Parses one `--mount` value. */
export function parseMountFlag(spec: string): Mount {
  const m: Mount = { Type: 'volume', Target: '' };
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    if (value === undefined && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive'].includes(key))
      throw new BerthError('InvalidArgument', `invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case 'type':
        if (!['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image'].includes(value!))
          throw new BerthError('InvalidArgument', `invalid mount type: ${value}`);
        m.Type = value as Mount['Type'];
        break;
      case 'source':
      case 'src':
        m.Source = value;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = value!;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = bool(key, value);
        break;
      case 'consistency':
        m.Consistency = value;
        break;
      case 'bind-propagation':
        (m.BindOptions ??= {}).Propagation = value;
        break;
      case 'bind-nonrecursive':
        (m.BindOptions ??= {}).NonRecursive = bool(key, value);
        break;
      case 'volume-nocopy':
        (m.VolumeOptions ??= {}).NoCopy = bool(key, value);
        break;
      case 'volume-label': {
        const [k, v = ''] = value!.split(/=(.*)/s, 2);
        ((m.VolumeOptions ??= {}).Labels ??= {})[k!] = v;
        break;
      }
      case 'volume-subpath':
        (m.VolumeOptions ??= {}).Subpath = value;
        break;
      case 'tmpfs-size':
        (m.TmpfsOptions ??= {}).SizeBytes = ramInBytes(value!);
        break;
      case 'tmpfs-mode':
        if (!/^[0-7]+$/.test(value!))
          throw new BerthError('InvalidArgument', `invalid value for ${key}: ${value}`);
        (m.TmpfsOptions ??= {}).Mode = parseInt(value!, 8);
        break;
      default:
        throw new BerthError('InvalidArgument', `unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw new BerthError('InvalidArgument', 'target is required');
  if (m.BindOptions && m.Type !== 'bind')
    throw new BerthError('InvalidArgument', `cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.VolumeOptions && m.Type !== 'volume')
    throw new BerthError('InvalidArgument', `cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs')
    throw new BerthError('InvalidArgument', `cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  return m;
}
