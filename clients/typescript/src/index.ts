// @kiln/client: the Kiln API from TypeScript/Node.
export { KilnClient, DEFAULT_TARGET, DEFAULT_RETRY, isIdempotent } from "./client";
export type { CallOptions, DeepPartial, KilnClientOptions, RetryPolicy, ServiceClient } from "./client";
export { KilnError, STATUS_DETAILS_KEY } from "./errors";
export type { FieldViolation, StatusDetail } from "./errors";
// The generated messages and enums, by file: import { JobMethod } from "@kiln/client/dist/src/gen/kiln/v1/jobs".
export * as datasets from "./gen/kiln/v1/datasets";
export * as evaluation from "./gen/kiln/v1/evaluation";
export * as feedback from "./gen/kiln/v1/feedback";
export * as jobs from "./gen/kiln/v1/jobs";
export * as models from "./gen/kiln/v1/models";
export * as sampling from "./gen/kiln/v1/sampling";
export * as common from "./gen/kiln/v1/common";
