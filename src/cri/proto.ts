// Loads Berth's text of CRI v1 (api/cri/v1/api.proto) for grpc-js. Decoding options: field names as in
// the proto (kubelet's snake_case), enums as their names, int64 as decimal strings (nanosecond times do
// not fit a double), defaults filled in so that an absent field reads as proto3's zero value.
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { packageRoot } from '../base/package-root.js';

/** The proto-loader options both the server and Berth's own clients use. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  arrays: true,
  objects: false,
  oneofs: true,
};

/** The path of api/cri/v1/api.proto in this installation. */
export function criProtoPath(): string {
  return join(packageRoot(), 'api', 'cri', 'v1', 'api.proto');
}

/** The two CRI services as grpc-js service definitions, with client constructors. */
export interface CriServices {
  runtime: grpc.ServiceClientConstructor;
  image: grpc.ServiceClientConstructor;
}

let cached: CriServices | undefined;

/** Loads the CRI proto once per process. */
export function loadCriServices(): CriServices {
  if (cached) return cached;
  const def = protoLoader.loadSync(criProtoPath(), LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    runtime: {
      v1: { RuntimeService: grpc.ServiceClientConstructor; ImageService: grpc.ServiceClientConstructor };
    };
  };
  cached = { runtime: pkg.runtime.v1.RuntimeService, image: pkg.runtime.v1.ImageService };
  return cached;
}
