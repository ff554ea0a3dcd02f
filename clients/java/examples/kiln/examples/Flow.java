package kiln.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.UUID;
import kiln.client.KilnClient;
import kiln.client.KilnException;
import kiln.v1.CreateJobRequest;
import kiln.v1.Dataset;
import kiln.v1.DatasetFormat;
import kiln.v1.DatasetMetadata;
import kiln.v1.DeployModelRequest;
import kiln.v1.DeploymentTarget;
import kiln.v1.Feedback;
import kiln.v1.FeedbackServiceGrpc;
import kiln.v1.GenerateRequest;
import kiln.v1.GenerateResponse;
import kiln.v1.GenerateStreamResponse;
import kiln.v1.GetJobRequest;
import kiln.v1.Hyperparameters;
import kiln.v1.Job;
import kiln.v1.JobEvent;
import kiln.v1.JobMethod;
import kiln.v1.JobServiceGrpc;
import kiln.v1.JobState;
import kiln.v1.Model;
import kiln.v1.ModelServiceGrpc;
import kiln.v1.Rating;
import kiln.v1.SamplingParams;
import kiln.v1.SamplingServiceGrpc;
import kiln.v1.SubmitFeedbackRequest;
import kiln.v1.WatchJobRequest;

/**
 * The whole path from data to a streamed sample of a fine-tuned model.
 *
 * <pre>KILN_TARGET=127.0.0.1:50051 KILN_API_KEY=kiln_... java -cp ... kiln.examples.Flow train.jsonl</pre>
 *
 * <p>Uploads a JSONL SFT dataset, fine-tunes kiln-gpt-tiny for a few steps while watching the
 * job, deploys the result, samples it twice with a seed (same text both times), streams a sample,
 * rates it, and shows what a bad request looks like. With KILN_SUMMARY=path it also writes what
 * it made there as JSON (the end-to-end tests read it).
 */
public final class Flow {
  public static void main(String[] args) throws Exception {
    Path path = Path.of(args.length > 0 ? args[0] : "train.jsonl");
    int maxSteps = Integer.parseInt(System.getenv().getOrDefault("KILN_MAX_STEPS", "20"));
    try (KilnClient kiln = KilnClient.builder().build()) { // $KILN_TARGET and $KILN_API_KEY
      // A request id makes each create safe to retry: a repeat returns the first result.
      Dataset dataset = kiln.uploadDataset(
          DatasetMetadata.newBuilder().setDisplayName("demo").setFormat(DatasetFormat.DATASET_FORMAT_SFT)
              .setRequestId(UUID.randomUUID().toString()).build(),
          Files.readAllBytes(path));
      System.out.printf("dataset %s: %d records%n", dataset.getName(), dataset.getNumRecords());

      Job job = kiln.call(JobServiceGrpc.getCreateJobMethod(), CreateJobRequest.newBuilder()
          .setJob(Job.newBuilder()
              .setMethod(JobMethod.JOB_METHOD_SFT)
              .setBaseModel("kiln-gpt-tiny")
              .setTrainingDataset(dataset.getName())
              .setHyperparameters(Hyperparameters.newBuilder().setMaxSteps(maxSteps).setBatchSize(4)
                  .setMaxSeqLen(64).setLearningRate(1e-3).setWarmupSteps(0).setLogEvery(1)))
          .setRequestId(UUID.randomUUID().toString())
          .build());
      System.out.printf("job %s created%n", job.getName());
      Iterator<JobEvent> events = kiln.stream(JobServiceGrpc.getWatchJobMethod(),
          WatchJobRequest.newBuilder().setName(job.getName()).build());
      while (events.hasNext()) {
        JobEvent event = events.next();
        if (event.hasStateChange()) {
          System.out.printf("  state %s%n", event.getStateChange().getState());
        } else if (event.hasMetrics()) {
          System.out.printf("  step %d loss %.3f%n", event.getMetrics().getStep(),
              event.getMetrics().getValuesOrDefault("loss", Double.NaN));
        }
      }
      Job done = kiln.call(JobServiceGrpc.getGetJobMethod(), GetJobRequest.newBuilder().setName(job.getName()).build());
      if (done.getState() != JobState.JOB_STATE_SUCCEEDED) {
        throw new IllegalStateException("job ended " + done.getState() + ": " + done.getError());
      }

      Model model = kiln.call(ModelServiceGrpc.getDeployModelMethod(), DeployModelRequest.newBuilder()
          .setName(done.getOutputModel()).setTarget(DeploymentTarget.DEPLOYMENT_TARGET_RAY_SERVE).build());
      System.out.printf("model %s %s%n", model.getName(), model.getDeployment().getState());

      // A seed makes sampling deterministic; bypass_cache proves it is the model, not the cache.
      GenerateRequest request = GenerateRequest.newBuilder()
          .setModel(model.getName())
          .setPrompt("Convert to uppercase: red fox")
          .setParams(SamplingParams.newBuilder().setTemperature(0.8).setSeed(7).setMaxTokens(16))
          .build();
      GenerateResponse first = kiln.call(SamplingServiceGrpc.getGenerateMethod(), request);
      GenerateResponse second = kiln.call(SamplingServiceGrpc.getGenerateMethod(),
          request.toBuilder().setBypassCache(true).build());
      String a = first.getCompletions(0).getText();
      String b = second.getCompletions(0).getText();
      String sample = first.getCompletions(0).getSampleId();
      System.out.printf("sample %s: \"%s\"; again: \"%s\"%n", sample, a, b);

      StringBuilder streamed = new StringBuilder();
      Iterator<GenerateStreamResponse> chunks = kiln.stream(SamplingServiceGrpc.getGenerateStreamMethod(),
          request.toBuilder().setParams(request.getParams().toBuilder().setSeed(8)).build());
      while (chunks.hasNext()) {
        String text = chunks.next().getText();
        System.out.print(text);
        streamed.append(text);
      }
      System.out.println();

      Feedback feedback = kiln.call(FeedbackServiceGrpc.getSubmitFeedbackMethod(), SubmitFeedbackRequest.newBuilder()
          .setFeedback(Feedback.newBuilder().setSampleId(sample).setRating(Rating.newBuilder().setValue(4)))
          .setFeedbackId(UUID.randomUUID().toString())
          .build());
      System.out.printf("feedback %s on %s%n", feedback.getName(), feedback.getSampleId());

      try {
        kiln.call(SamplingServiceGrpc.getGenerateMethod(), GenerateRequest.newBuilder().setModel(model.getName())
            .setPrompt("x").setParams(SamplingParams.newBuilder().setTemperature(-1)).build());
        throw new IllegalStateException("a negative temperature was accepted");
      } catch (KilnException e) {
        System.out.println("rejected as expected:\n" + e.getMessage());
      }

      String summaryPath = System.getenv("KILN_SUMMARY");
      if (summaryPath != null) {
        com.google.gson.JsonObject summary = new com.google.gson.JsonObject();
        summary.addProperty("dataset", dataset.getName());
        summary.addProperty("job", job.getName());
        summary.addProperty("jobState", done.getState().name());
        summary.addProperty("model", model.getName());
        summary.addProperty("deploymentState", model.getDeployment().getState());
        summary.addProperty("sample", sample);
        com.google.gson.JsonArray texts = new com.google.gson.JsonArray();
        texts.add(a);
        texts.add(b);
        summary.add("texts", texts);
        summary.addProperty("streamed", streamed.toString());
        summary.addProperty("feedback", feedback.getName());
        summary.addProperty("feedbackSample", feedback.getSampleId());
        Files.writeString(Path.of(summaryPath), summary.toString());
      }
    }
  }
}
