// Routes of the Docker Engine API: a method and a path template to a handler. Templates use `{name}` for
// one path segment and `{name*}` for the rest of the path, since image names hold slashes
// (`/images/registry:5000/team/app:1.0/json`), as moby's router does with `{name:.*}`.
import type { ApiContext } from './context.js';

/** Handles one request; throws BerthError for failures (errors.ts turns them into statuses). */
export type Handler = (ctx: ApiContext) => Promise<void> | void;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

/** Path templates to handlers, matched in the order they were added. */
export class Router {
  private readonly routes: Route[] = [];

  /** Adds a route: `add('GET', '/images/{name*}/json', h)`. */
  add(method: string, template: string, handler: Handler): this {
    const names: string[] = [];
    const source = template
      .split('/')
      .map((part) => {
        const m = /^\{(\w+)(\*?)\}$/.exec(part);
        if (!m) return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        names.push(m[1]!);
        return m[2] ? '(.+)' : '([^/]+)';
      })
      .join('/');
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  /**
   * The handler and path parameters for `method path`; `allowed` lists the methods the path has when the
   * method does not match (a 405 rather than a 404). HEAD falls back to GET, as Go's mux does not, but
   * docker clients only HEAD routes that have a GET.
   */
  match(
    method: string,
    path: string,
  ): { handler: Handler; params: Record<string, string> } | { allowed: string[] } {
    const allowed: string[] = [];
    for (const want of method === 'HEAD' ? ['HEAD', 'GET'] : [method]) {
      for (const r of this.routes) {
        const m = r.pattern.exec(path);
        if (!m) continue;
        if (r.method !== want) {
          allowed.push(r.method);
          continue;
        }
        const params: Record<string, string> = {};
        r.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1]!)));
        return { handler: r.handler, params };
      }
    }
    return { allowed: [...new Set(allowed)] };
  }
}
