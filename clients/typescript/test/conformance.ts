// Runs the shared scenarios (tests/e2e/clients/scenarios.json, resolved by the test driver)
// through KilnClient and prints what this client observed, one JSON object per line.
//
//   KILN_SCENARIOS=resolved.json KILN_TARGET=... KILN_API_KEY=... KILN_OTHER_API_KEY=... \
//   KILN_FAULT_TARGET=... node dist/test/conformance.js

import { readFileSync } from "node:fs";
import { KilnClient, KilnError } from "../src";

interface Scenario {
  name: string;
  service: string; // e.g. "kiln.v1.JobService"
  method: string; // e.g. "GetJob"
  as: "default" | "other" | "anonymous";
  target: "gateway" | "fault";
  request: unknown; // proto3 JSON
  timeoutMs?: number;
}

const SERVICES: Record<string, keyof KilnClient> = {
  "kiln.v1.DatasetService": "datasets",
  "kiln.v1.JobService": "jobs",
  "kiln.v1.ModelService": "models",
  "kiln.v1.SamplingService": "sampling",
  "kiln.v1.FeedbackService": "feedback",
  "kiln.v1.EvaluationService": "evaluations",
};

async function main(): Promise<void> {
  const scenarios: Scenario[] = JSON.parse(readFileSync(process.env.KILN_SCENARIOS!, "utf8")).scenarios;
  const keys = { default: process.env.KILN_API_KEY!, other: process.env.KILN_OTHER_API_KEY!, anonymous: "" };
  const targets = { gateway: process.env.KILN_TARGET!, fault: process.env.KILN_FAULT_TARGET! };
  const clients = new Map<string, KilnClient>();
  const clientFor = (s: Scenario) => {
    const id = `${s.as}@${s.target}`;
    if (!clients.has(id)) clients.set(id, new KilnClient({ target: targets[s.target], apiKey: keys[s.as] }));
    return clients.get(id)!;
  };
  for (const s of scenarios) {
    const service = (clientFor(s) as any)[SERVICES[s.service]];
    const key = s.method[0].toLowerCase() + s.method.slice(1);
    const codec = definitionOf(s.service, key);
    const observed: Record<string, unknown> = { name: s.name };
    try {
      await service[key](codec.fromJSON(s.request), { timeoutMs: s.timeoutMs });
      observed.code = "OK";
    } catch (err) {
      const e = KilnError.from(err);
      observed.code = e.codeName;
      observed.message = e.message;
      observed.fieldViolations = e.fieldViolations.map((v) => v.field);
      if (e.resourceInfo) observed.resourceInfo = { resourceType: e.resourceInfo.resourceType, resourceName: e.resourceInfo.resourceName };
      if (e.retryDelayMs !== undefined) observed.retryDelayMs = Math.round(e.retryDelayMs);
    }
    console.log(JSON.stringify(observed));
  }
  for (const c of clients.values()) c.close();
}

// The request codec of a method, for parsing proto3 JSON into the generated message type.
function definitionOf(service: string, key: string): { fromJSON(json: unknown): unknown } {
  const modules: Record<string, any> = {
    "kiln.v1.DatasetService": require("../src/gen/kiln/v1/datasets").DatasetServiceDefinition,
    "kiln.v1.JobService": require("../src/gen/kiln/v1/jobs").JobServiceDefinition,
    "kiln.v1.ModelService": require("../src/gen/kiln/v1/models").ModelServiceDefinition,
    "kiln.v1.SamplingService": require("../src/gen/kiln/v1/sampling").SamplingServiceDefinition,
    "kiln.v1.FeedbackService": require("../src/gen/kiln/v1/feedback").FeedbackServiceDefinition,
    "kiln.v1.EvaluationService": require("../src/gen/kiln/v1/evaluation").EvaluationServiceDefinition,
  };
  return modules[service].methods[key].requestType;
}

main().catch((err) => {
  console.error(String(err));
  process.exit(1);
});
