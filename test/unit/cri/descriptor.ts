// A proto file's descriptor set as sorted lines, one per message field, oneof, enum value, service method and
// file option, so that two definitions can be compared for wire identity and every difference named.
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

/** Parses the proto file at `path` (it imports nothing) and describes every definition it holds. */
export function describeProtoFile(path: string): string[] {
  return describeProtoText(readFileSync(path, 'utf8'));
}

/** Parses proto source text, field names kept as written, and describes it. */
export function describeProtoText(text: string): string[] {
  return describeRoot(protobuf.parse(text, { keepCase: true }).root);
}

function describeRoot(root: protobuf.Root): string[] {
  root.resolveAll();
  const lines: string[] = [];
  walk(root, lines);
  return lines.sort();
}

function walk(ns: protobuf.NamespaceBase, lines: string[]): void {
  for (const obj of ns.nestedArray) {
    const name = obj.fullName;
    if (obj instanceof protobuf.Type) {
      lines.push(`message ${name}`);
      for (const f of obj.fieldsArray) {
        const map = f instanceof protobuf.MapField ? `map<${f.keyType}, ${f.type}>` : f.type;
        const rule = f.repeated && !(f instanceof protobuf.MapField) ? 'repeated ' : '';
        const oneof = f.partOf ? ` oneof ${f.partOf.name}` : '';
        const opts = f.options ? ` ${JSON.stringify(f.options)}` : '';
        // resolvedType names the definition a message or enum field points at, wherever it is nested.
        const target = f.resolvedType ? ` -> ${f.resolvedType.fullName}` : '';
        lines.push(`field ${name}.${f.name} = ${f.id}: ${rule}${map}${target}${oneof}${opts}`);
      }
      for (const o of obj.oneofsArray) lines.push(`oneof ${name}.${o.name}: ${o.oneof.join(',')}`);
      for (const r of obj.reserved ?? []) lines.push(`reserved ${name}: ${JSON.stringify(r)}`);
      walk(obj, lines);
    } else if (obj instanceof protobuf.Enum) {
      lines.push(`enum ${name}`);
      for (const [k, v] of Object.entries(obj.values)) lines.push(`value ${name}.${k} = ${v}`);
    } else if (obj instanceof protobuf.Service) {
      lines.push(`service ${name}`);
      for (const m of obj.methodsArray) {
        const req = `${m.requestStream ? 'stream ' : ''}${m.resolvedRequestType?.fullName ?? m.requestType}`;
        const res = `${m.responseStream ? 'stream ' : ''}${m.resolvedResponseType?.fullName ?? m.responseType}`;
        lines.push(`rpc ${name}.${m.name}(${req}) returns (${res})`);
      }
    } else if (obj instanceof protobuf.Namespace) {
      if (obj.options) lines.push(`options ${name}: ${JSON.stringify(obj.options)}`);
      walk(obj, lines);
    }
  }
}

/** Lines only in `a` (prefixed "-") and only in `b` (prefixed "+"). */
export function descriptorDifferences(a: string[], b: string[]): string[] {
  const inB = new Set(b);
  const inA = new Set(a);
  return [
    ...a.filter((l) => !inB.has(l)).map((l) => `- ${l}`),
    ...b.filter((l) => !inA.has(l)).map((l) => `+ ${l}`),
  ];
}
