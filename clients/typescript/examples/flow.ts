// The whole path from data to a streamed sample of a fine-tuned model, with the Kiln client.
//
//   KILN_TARGET=127.0.0.1:50051 KILN_API_KEY=kiln_... node dist/examples/flow.js train.jsonl
//
// Uploads a JSONL SFT dataset, fine-tunes kiln-gpt-tiny for a few steps while watching the job,
// deploys the result, samples it twice with a seed (same text both times), streams a sample,
// rates it, and shows what a bad request looks like. With KILN_SUMMARY=path it also writes
// what it made there as JSON (the end-to-end tests read it).

import { randomUUID } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { KilnClient, KilnError } from "../src";
import { DatasetFormat } from "../src/gen/kiln/v1/datasets";
import { JobMethod, JobState } from "../src/gen/kiln/v1/jobs";
import { DeploymentTarget } from "../src/gen/kiln/v1/models";

async function main(path: string, maxSteps: number): Promise<void> {
  const kiln = new KilnClient(); // $KILN_TARGET and $KILN_API_KEY
  try {
    // request_id makes each create safe to retry: a repeat returns the first result.
    const dataset = await kiln.uploadDataset(readFileSync(path), {
      displayName: "demo",
      format: DatasetFormat.DATASET_FORMAT_SFT,
      requestId: randomUUID(),
    });
    console.log(`dataset ${dataset.name}: ${dataset.numRecords} records`);

    const job = await kiln.jobs.createJob({
      job: {
        method: JobMethod.JOB_METHOD_SFT,
        baseModel: "kiln-gpt-tiny",
        trainingDataset: dataset.name,
        hyperparameters: { maxSteps, batchSize: 4, maxSeqLen: 64, learningRate: 1e-3, warmupSteps: 0, logEvery: 1 },
      },
      requestId: randomUUID(),
    });
    console.log(`job ${job.name} created`);
    for await (const event of kiln.jobs.watchJob({ name: job.name })) {
      if (event.stateChange) console.log(`  state ${JobState[event.stateChange.state]}`);
      if (event.metrics) console.log(`  step ${event.metrics.step} loss ${event.metrics.values.loss?.toFixed(3)}`);
    }
    const done = await kiln.jobs.getJob({ name: job.name });
    if (done.state !== JobState.JOB_STATE_SUCCEEDED) throw new Error(`job ended ${JobState[done.state]}: ${done.error}`);

    const model = await kiln.models.deployModel({
      name: done.outputModel,
      target: DeploymentTarget.DEPLOYMENT_TARGET_RAY_SERVE,
    });
    console.log(`model ${model.name} ${model.deployment?.state}`);

    // A seed makes sampling deterministic; bypassCache proves it is the model, not the cache.
    const request = { model: model.name, prompt: "Convert to uppercase: red fox", params: { temperature: 0.8, seed: 7, maxTokens: 16 } };
    const first = await kiln.sampling.generate(request);
    const second = await kiln.sampling.generate({ ...request, bypassCache: true });
    const [a, b] = [first.completions[0], second.completions[0]];
    console.log(`sample ${a.sampleId}: ${JSON.stringify(a.text)}; again: ${JSON.stringify(b.text)}`);

    let streamed = "";
    for await (const chunk of kiln.sampling.generateStream({ ...request, params: { ...request.params, seed: 8 } })) {
      if (chunk.text) process.stdout.write(chunk.text);
      streamed += chunk.text ?? "";
    }
    console.log();

    const feedback = await kiln.feedback.submitFeedback({
      feedback: { sampleId: a.sampleId, rating: { value: 4 } },
      feedbackId: randomUUID(),
    });
    console.log(`feedback ${feedback.name} on ${feedback.sampleId}`);

    try {
      await kiln.sampling.generate({ model: model.name, prompt: "x", params: { temperature: -1 } });
    } catch (err) {
      if (!(err instanceof KilnError)) throw err;
      console.log(`rejected as expected:\n${err}`);
    }

    if (process.env.KILN_SUMMARY) {
      const summary = {
        dataset: dataset.name,
        job: job.name,
        jobState: JobState[done.state],
        model: model.name,
        deploymentState: model.deployment?.state,
        sample: a.sampleId,
        texts: [a.text, b.text],
        streamed,
        feedback: feedback.name,
        feedbackSample: feedback.sampleId,
      };
      writeFileSync(process.env.KILN_SUMMARY, JSON.stringify(summary));
    }
  } finally {
    kiln.close();
  }
}

main(process.argv[2] ?? "train.jsonl", Number(process.env.KILN_MAX_STEPS ?? 20)).catch((err) => {
  console.error(String(err));
  process.exit(1);
});
