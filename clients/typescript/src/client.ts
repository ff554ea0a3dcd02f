// A thin Promise/AsyncIterable client over @grpc/grpc-js for every Kiln service.
//
// Each service is bound from its ts-proto "generic definition", so every RPC of the contract is
// here with its generated types: unary RPCs return Promises, server streams are AsyncIterables,
// client streams take an (async) iterable of requests. Every call carries the API key, has a
// deadline, fails with a KilnError (status code plus the decoded google.rpc details), and is
// retried on UNAVAILABLE / RESOURCE_EXHAUSTED when it is safe to repeat (see isIdempotent).

import * as grpc from "@grpc/grpc-js";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import {
  DatasetServiceDefinition,
  type Dataset,
  type DatasetMetadata,
  type UploadDatasetRequest,
} from "./gen/kiln/v1/datasets";
import { EvaluationServiceDefinition } from "./gen/kiln/v1/evaluation";
import { FeedbackServiceDefinition } from "./gen/kiln/v1/feedback";
import { JobServiceDefinition } from "./gen/kiln/v1/jobs";
import { ModelServiceDefinition } from "./gen/kiln/v1/models";
import { SamplingServiceDefinition } from "./gen/kiln/v1/sampling";
import { HealthDefinition } from "./gen/grpc/health/v1/health";
import { KilnError } from "./errors";

export const DEFAULT_TARGET = "127.0.0.1:50051";

/** What a generated message object offers (ts-proto's MessageFns). */
interface Codec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
  fromPartial(object: any): T;
}

interface MethodDefinition {
  readonly name: string;
  readonly requestType: Codec<any>;
  readonly requestStream: boolean;
  readonly responseType: Codec<any>;
  readonly responseStream: boolean;
}

interface ServiceDefinition {
  readonly fullName: string;
  readonly methods: { readonly [key: string]: MethodDefinition };
}

type Primitive = Date | Uint8Array | string | number | boolean | undefined;
/** A request may leave out any field: unset fields take their proto3 defaults. */
export type DeepPartial<T> = T extends Primitive
  ? T
  : T extends Array<infer U>
    ? Array<DeepPartial<U>>
    : T extends {}
      ? { [K in keyof T]?: DeepPartial<T[K]> }
      : Partial<T>;

type Req<M extends MethodDefinition> = ReturnType<M["requestType"]["decode"]>;
type Res<M extends MethodDefinition> = ReturnType<M["responseType"]["decode"]>;
type Source<T> = Iterable<DeepPartial<T>> | AsyncIterable<DeepPartial<T>>;

/** Per-call settings. */
export interface CallOptions {
  /** Deadline of one attempt, in ms; 0 means none. Defaults: see KilnClientOptions.timeoutMs. */
  timeoutMs?: number;
  /** Cancels the call (and any pending retry). */
  signal?: AbortSignal;
  /** Extra metadata, e.g. {"x-request-id": "..."} to find the call in the gateway's logs. */
  metadata?: Record<string, string>;
}

type MethodFn<M extends MethodDefinition> = M["requestStream"] extends true
  ? M["responseStream"] extends true
    ? (requests: Source<Req<M>>, options?: CallOptions) => AsyncIterable<Res<M>>
    : (requests: Source<Req<M>>, options?: CallOptions) => Promise<Res<M>>
  : M["responseStream"] extends true
    ? (request: DeepPartial<Req<M>>, options?: CallOptions) => AsyncIterable<Res<M>>
    : (request: DeepPartial<Req<M>>, options?: CallOptions) => Promise<Res<M>>;

/** A service's RPCs as methods, named in lowerCamelCase (GetJob -> getJob). */
export type ServiceClient<D extends ServiceDefinition> = { [K in keyof D["methods"]]: MethodFn<D["methods"][K]> };

/** When and how often a failed call is tried again. */
export interface RetryPolicy {
  /** Attempts after the first; 0 disables retries. */
  maxRetries: number;
  /** Backoff without RetryInfo: initialBackoffMs * 2^n, with up to 20% jitter. */
  initialBackoffMs: number;
  /** A wait longer than this (e.g. a RetryInfo of minutes) is not waited for: the error is thrown. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, initialBackoffMs: 500, maxDelayMs: 30_000 };

export interface KilnClientOptions {
  /** host:port; default $KILN_TARGET or 127.0.0.1:50051. */
  target?: string;
  /** Sent as `authorization: Bearer <key>` on every call; default $KILN_API_KEY. */
  apiKey?: string;
  /** Default: plaintext (the gateway serves no TLS itself; put TLS in front of it). */
  credentials?: grpc.ChannelCredentials;
  /** Default deadline of unary and client-streaming calls, in ms (slow RPCs get more, below). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
}

const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED]);
// RPCs that wait for real work get longer default deadlines than the 30 s of the rest.
const SLOW_RPC_TIMEOUT_MS: Record<string, number> = {
  DeployModel: 300_000,
  UndeployModel: 120_000,
  ExportModel: 900_000,
  UploadDataset: 300_000,
};
// Calls that change nothing a client relies on, so repeating one after a failure is safe.
const SAFE_TO_REPEAT = new Set(["Generate", "GenerateStream", "DeployModel", "Check"]);

/**
 * Whether a call may be sent again after UNAVAILABLE / RESOURCE_EXHAUSTED: reads (Get*, List*,
 * Watch*), sampling and deploys, and creates that carry an idempotency key (request_id,
 * feedback_id), which the server deduplicates. Client-streaming calls are never retried.
 */
export function isIdempotent(method: string, request: any): boolean {
  if (/^(Get|List|Watch)/.test(method) || SAFE_TO_REPEAT.has(method)) return true;
  return Boolean(request?.requestId || request?.feedbackId);
}

export class KilnClient {
  readonly datasets: ServiceClient<typeof DatasetServiceDefinition>;
  readonly jobs: ServiceClient<typeof JobServiceDefinition>;
  readonly models: ServiceClient<typeof ModelServiceDefinition>;
  readonly sampling: ServiceClient<typeof SamplingServiceDefinition>;
  readonly feedback: ServiceClient<typeof FeedbackServiceDefinition>;
  readonly evaluations: ServiceClient<typeof EvaluationServiceDefinition>;
  readonly health: ServiceClient<typeof HealthDefinition>;
  readonly target: string;
  private readonly channel: grpc.Client;
  private readonly metadata: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;

  constructor(options: KilnClientOptions = {}) {
    this.target = options.target ?? process.env.KILN_TARGET ?? DEFAULT_TARGET;
    const apiKey = options.apiKey ?? process.env.KILN_API_KEY;
    this.metadata = apiKey ? { authorization: `Bearer ${apiKey}` } : {};
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    // The gateway accepts 16 MiB messages; match it so large pages are never cut off here.
    this.channel = new grpc.Client(this.target, options.credentials ?? grpc.credentials.createInsecure(), {
      "grpc.max_receive_message_length": 16 * 1024 * 1024,
    });
    this.datasets = this.bind(DatasetServiceDefinition);
    this.jobs = this.bind(JobServiceDefinition);
    this.models = this.bind(ModelServiceDefinition);
    this.sampling = this.bind(SamplingServiceDefinition);
    this.feedback = this.bind(FeedbackServiceDefinition);
    this.evaluations = this.bind(EvaluationServiceDefinition);
    this.health = this.bind(HealthDefinition);
  }

  close(): void {
    this.channel.close();
  }

  /**
   * Uploads JSONL bytes as a dataset: the metadata message, then 1 MiB chunks. Uploads are not
   * retried automatically; with metadata.requestId set, calling this again after a failure is
   * safe (the server returns the dataset the first upload created).
   */
  uploadDataset(data: Uint8Array, metadata: DeepPartial<DatasetMetadata>, options?: CallOptions): Promise<Dataset> {
    const chunkSize = 1 << 20;
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const requests: DeepPartial<UploadDatasetRequest>[] = [{ metadata }];
    for (let at = 0; at < bytes.length; at += chunkSize) requests.push({ chunk: bytes.subarray(at, at + chunkSize) });
    return this.datasets.uploadDataset(requests, options);
  }

  /** Binds every RPC of a generated service definition; used for the services above. */
  bind<D extends ServiceDefinition>(definition: D): ServiceClient<D> {
    const client: Record<string, unknown> = {};
    for (const [key, method] of Object.entries(definition.methods)) {
      const path = `/${definition.fullName}/${method.name}`;
      const serialize = (value: any) => Buffer.from(method.requestType.encode(method.requestType.fromPartial(value)).finish());
      const deserialize = (bytes: Buffer) => method.responseType.decode(bytes);
      const rpc = { path, name: method.name, serialize, deserialize };
      if (!method.requestStream && !method.responseStream) {
        client[key] = (request: any, options?: CallOptions) => this.unary(rpc, request, options);
      } else if (!method.requestStream) {
        client[key] = (request: any, options?: CallOptions) => this.serverStream(rpc, request, options);
      } else if (!method.responseStream) {
        client[key] = (requests: Source<any>, options?: CallOptions) => this.clientStream(rpc, requests, options);
      } else {
        client[key] = (requests: Source<any>, options?: CallOptions) => this.bidiStream(rpc, requests, options);
      }
    }
    return client as ServiceClient<D>;
  }

  private callMetadata(options?: CallOptions): grpc.Metadata {
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries({ ...this.metadata, ...options?.metadata })) metadata.set(key, value);
    return metadata;
  }

  private callOptions(rpc: Rpc, options: CallOptions | undefined, stream: boolean): grpc.CallOptions {
    // Streams (WatchJob runs as long as the job) have no default deadline.
    const timeoutMs = options?.timeoutMs ?? (stream ? 0 : (SLOW_RPC_TIMEOUT_MS[rpc.name] ?? this.timeoutMs));
    return timeoutMs > 0 ? { deadline: new Date(Date.now() + timeoutMs) } : {};
  }

  /** Runs `attempt` until it succeeds, fails for good, or the retry budget is spent. */
  private async withRetries<T>(rpc: Rpc, request: any, options: CallOptions | undefined, attempt: () => Promise<T>): Promise<T> {
    const retryable = isIdempotent(rpc.name, request);
    for (let retries = 0; ; retries++) {
      try {
        return await attempt();
      } catch (err) {
        const error = KilnError.from(err);
        const delay = this.retryDelayMs(error, retries);
        if (!retryable || delay === undefined) throw error;
        await sleep(delay, options?.signal);
      }
    }
  }

  /** How long to wait before retry number `retries` + 1, or undefined to give up. */
  private retryDelayMs(error: KilnError, retries: number): number | undefined {
    if (!RETRYABLE.has(error.code) || retries >= this.retry.maxRetries) return undefined;
    const base = error.retryDelayMs ?? this.retry.initialBackoffMs * 2 ** retries;
    if (base > this.retry.maxDelayMs) return undefined;
    return base * (1 + 0.2 * Math.random());
  }

  private unary(rpc: Rpc, request: any, options?: CallOptions): Promise<any> {
    return this.withRetries(rpc, request, options, () =>
      new Promise((resolve, reject) => {
        const call = this.channel.makeUnaryRequest(
          rpc.path, rpc.serialize, rpc.deserialize, request,
          this.callMetadata(options), this.callOptions(rpc, options, false),
          (err, response) => (err ? reject(err) : resolve(response)),
        );
        onAbort(options?.signal, () => call.cancel());
      }),
    );
  }

  private clientStream(rpc: Rpc, requests: Source<any>, options?: CallOptions): Promise<any> {
    // One attempt: the requests may be a one-shot iterable that cannot be sent again.
    return new Promise((resolve, reject) => {
      const call = this.channel.makeClientStreamRequest(
        rpc.path, rpc.serialize, rpc.deserialize,
        this.callMetadata(options), this.callOptions(rpc, options, false),
        (err, response) => (err ? reject(KilnError.from(err)) : resolve(response)),
      );
      onAbort(options?.signal, () => call.cancel());
      writeAll(call, requests).catch((err) => {
        call.cancel();
        reject(KilnError.from(err));
      });
    });
  }

  private async *serverStream(rpc: Rpc, request: any, options?: CallOptions): AsyncGenerator<any> {
    const retryable = isIdempotent(rpc.name, request);
    for (let retries = 0; ; retries++) {
      const call = this.channel.makeServerStreamRequest(
        rpc.path, rpc.serialize, rpc.deserialize, request,
        this.callMetadata(options), this.callOptions(rpc, options, true),
      );
      onAbort(options?.signal, () => call.cancel());
      let received = false;
      try {
        for await (const message of call) {
          received = true;
          yield message;
        }
        return;
      } catch (err) {
        const error = KilnError.from(err);
        // After the first message a retry would repeat output the caller already has.
        const delay = received || !retryable ? undefined : this.retryDelayMs(error, retries);
        if (delay === undefined) throw error;
        await sleep(delay, options?.signal);
      } finally {
        call.cancel(); // a consumer that stops early must not leave the stream open
      }
    }
  }

  private async *bidiStream(rpc: Rpc, requests: Source<any>, options?: CallOptions): AsyncGenerator<any> {
    const call = this.channel.makeBidiStreamRequest(
      rpc.path, rpc.serialize, rpc.deserialize,
      this.callMetadata(options), this.callOptions(rpc, options, true),
    );
    onAbort(options?.signal, () => call.cancel());
    writeAll(call, requests).catch(() => call.cancel());
    try {
      for await (const message of call) yield message;
    } catch (err) {
      throw KilnError.from(err);
    } finally {
      call.cancel();
    }
  }
}

interface Rpc {
  path: string;
  name: string;
  serialize: (value: any) => Buffer;
  deserialize: (bytes: Buffer) => any;
}

async function writeAll(call: grpc.ClientWritableStream<any> | grpc.ClientDuplexStream<any, any>, requests: Source<any>) {
  for await (const request of requests as AsyncIterable<any>) {
    if (!call.write(request)) await new Promise((resolve) => call.once("drain", resolve));
  }
  call.end();
}

function onAbort(signal: AbortSignal | undefined, cancel: () => void): void {
  if (signal?.aborted) cancel();
  else signal?.addEventListener("abort", cancel, { once: true });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new KilnError(grpc.status.CANCELLED, "cancelled"));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new KilnError(grpc.status.CANCELLED, "cancelled"));
    }, { once: true });
  });
}
