// KilnError: a failed call with the google.rpc.Status details the gateway attached, decoded.
//
// The gateway sends a serialized google.rpc.Status in the `grpc-status-details-bin` trailer;
// its `details` are Any messages (BadRequest, ResourceInfo, RetryInfo, PreconditionFailure,
// QuotaFailure, ErrorInfo) that grpc-js itself leaves undecoded.

import * as grpc from "@grpc/grpc-js";
import type { Any } from "./gen/google/protobuf/any";
import {
  BadRequest,
  ErrorInfo,
  PreconditionFailure,
  QuotaFailure,
  ResourceInfo,
  RetryInfo,
  type PreconditionFailure_Violation,
  type QuotaFailure_Violation,
} from "./gen/google/rpc/error_details";
import { Status } from "./gen/google/rpc/status";

export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

export interface FieldViolation {
  /** Path of the bad field in the request, e.g. "params.temperature". */
  field: string;
  description: string;
}

/** A decoded detail: its message type name and the decoded message. */
export interface StatusDetail {
  type: string;
  message: unknown;
}

const DECODERS: Record<string, { decode(bytes: Uint8Array): unknown }> = {
  "google.rpc.BadRequest": BadRequest,
  "google.rpc.ResourceInfo": ResourceInfo,
  "google.rpc.RetryInfo": RetryInfo,
  "google.rpc.PreconditionFailure": PreconditionFailure,
  "google.rpc.QuotaFailure": QuotaFailure,
  "google.rpc.ErrorInfo": ErrorInfo,
};

export class KilnError extends Error {
  /** The gRPC status code (grpc.status.NOT_FOUND, ...). */
  readonly code: grpc.status;
  /** Field violations of an INVALID_ARGUMENT (BadRequest), in the server's order. */
  readonly fieldViolations: FieldViolation[] = [];
  /** The resource a NOT_FOUND is about. */
  readonly resourceInfo?: ResourceInfo;
  /** How long the server asks a client to wait before retrying (RetryInfo), in ms. */
  readonly retryDelayMs?: number;
  readonly preconditionViolations: PreconditionFailure_Violation[] = [];
  readonly quotaViolations: QuotaFailure_Violation[] = [];
  /** Every detail, decoded where the type is known (others keep their raw Any). */
  readonly details: StatusDetail[] = [];
  /** The gateway's x-request-id for this call: the key to its log line. */
  readonly requestId?: string;

  constructor(code: grpc.status, message: string, details: Any[] = [], requestId?: string) {
    super(message);
    this.name = "KilnError";
    this.code = code;
    this.requestId = requestId;
    for (const any of details) {
      const type = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
      const decoder = DECODERS[type];
      const message = decoder ? decoder.decode(any.value) : any;
      this.details.push({ type, message });
      if (type === "google.rpc.BadRequest") {
        this.fieldViolations.push(...(message as BadRequest).fieldViolations.map(({ field, description }) => ({ field, description })));
      } else if (type === "google.rpc.ResourceInfo") {
        this.resourceInfo = message as ResourceInfo;
      } else if (type === "google.rpc.RetryInfo") {
        const delay = (message as RetryInfo).retryDelay;
        if (delay) this.retryDelayMs = delay.seconds * 1000 + delay.nanos / 1e6;
      } else if (type === "google.rpc.PreconditionFailure") {
        this.preconditionViolations.push(...(message as PreconditionFailure).violations);
      } else if (type === "google.rpc.QuotaFailure") {
        this.quotaViolations.push(...(message as QuotaFailure).violations);
      }
    }
  }

  /** The status code's name, e.g. "INVALID_ARGUMENT". */
  get codeName(): string {
    return grpc.status[this.code] ?? String(this.code);
  }

  /** Wraps anything a call threw; a grpc-js ServiceError gets its details decoded. */
  static from(err: unknown): KilnError {
    if (err instanceof KilnError) return err;
    const service = err as Partial<grpc.ServiceError>;
    if (typeof service?.code !== "number") {
      return new KilnError(grpc.status.UNKNOWN, err instanceof Error ? err.message : String(err));
    }
    const metadata = service.metadata;
    let details: Any[] = [];
    const raw = metadata?.get(STATUS_DETAILS_KEY)[0];
    if (raw instanceof Buffer) {
      try {
        details = Status.decode(raw).details;
      } catch {
        // Not a google.rpc.Status (not from a Kiln gateway): keep the status line alone.
      }
    }
    const requestId = metadata?.get("x-request-id")[0];
    return new KilnError(service.code, service.details ?? service.message ?? "", details, requestId?.toString());
  }

  override toString(): string {
    const lines = [`${this.codeName}: ${this.message}`];
    for (const v of this.fieldViolations) lines.push(`  ${v.field}: ${v.description}`);
    if (this.retryDelayMs !== undefined) lines.push(`  retry after ${this.retryDelayMs} ms`);
    return lines.join("\n");
  }
}
