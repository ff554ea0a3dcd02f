// Command flow runs the whole path from data to a streamed sample of a fine-tuned model.
//
//	KILN_TARGET=127.0.0.1:50051 KILN_API_KEY=kiln_... ./bin/flow train.jsonl
//
// It uploads a JSONL SFT dataset, fine-tunes kiln-gpt-tiny for a few steps while watching the
// job, deploys the result, samples it twice with a seed (same text both times), streams a
// sample, rates it, and shows what a bad request looks like. With KILN_SUMMARY=path it also
// writes what it made there as JSON (the end-to-end tests read it).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"

	kilnv1 "kiln/clients/go/gen/kiln/v1"
	"kiln/clients/go/kiln"

	"google.golang.org/protobuf/proto"
)

func main() {
	path := "train.jsonl"
	if len(os.Args) > 1 {
		path = os.Args[1]
	}
	maxSteps := uint32(20)
	if s, err := strconv.Atoi(os.Getenv("KILN_MAX_STEPS")); err == nil {
		maxSteps = uint32(s)
	}
	if err := run(context.Background(), path, maxSteps); err != nil {
		log.Fatal(err)
	}
}

func run(ctx context.Context, path string, maxSteps uint32) error {
	c, err := kiln.Dial(kiln.Options{}) // $KILN_TARGET and $KILN_API_KEY
	if err != nil {
		return err
	}
	defer c.Close()

	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	// A request id makes each create safe to retry: a repeat returns the first result.
	dataset, err := c.UploadDataset(ctx, &kilnv1.DatasetMetadata{
		DisplayName: "demo", Format: kilnv1.DatasetFormat_DATASET_FORMAT_SFT, RequestId: newID(),
	}, data)
	if err != nil {
		return err
	}
	fmt.Printf("dataset %s: %d records\n", dataset.Name, dataset.NumRecords)

	job, err := c.Jobs.CreateJob(ctx, &kilnv1.CreateJobRequest{
		Job: &kilnv1.Job{
			Method:          kilnv1.JobMethod_JOB_METHOD_SFT,
			BaseModel:       "kiln-gpt-tiny",
			TrainingDataset: dataset.Name,
			Hyperparameters: &kilnv1.Hyperparameters{
				MaxSteps: proto.Uint32(maxSteps), BatchSize: proto.Uint32(4), MaxSeqLen: proto.Uint32(64),
				LearningRate: proto.Float64(1e-3), WarmupSteps: proto.Uint32(0), LogEvery: proto.Uint32(1),
			},
		},
		RequestId: newID(),
	})
	if err != nil {
		return err
	}
	fmt.Printf("job %s created\n", job.Name)
	events, err := c.Jobs.WatchJob(ctx, &kilnv1.WatchJobRequest{Name: job.Name})
	if err != nil {
		return err
	}
	for {
		event, err := events.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch kind := event.Kind.(type) {
		case *kilnv1.JobEvent_StateChange:
			fmt.Printf("  state %s\n", kind.StateChange.State)
		case *kilnv1.JobEvent_Metrics:
			fmt.Printf("  step %d loss %.3f\n", kind.Metrics.Step, kind.Metrics.Values["loss"])
		}
	}
	done, err := c.Jobs.GetJob(ctx, &kilnv1.GetJobRequest{Name: job.Name})
	if err != nil {
		return err
	}
	if done.State != kilnv1.JobState_JOB_STATE_SUCCEEDED {
		return fmt.Errorf("job ended %s: %s", done.State, done.Error)
	}

	model, err := c.Models.DeployModel(ctx, &kilnv1.DeployModelRequest{
		Name: done.OutputModel, Target: kilnv1.DeploymentTarget_DEPLOYMENT_TARGET_RAY_SERVE,
	})
	if err != nil {
		return err
	}
	fmt.Printf("model %s %s\n", model.Name, model.GetDeployment().GetState())

	// A seed makes sampling deterministic; BypassCache proves it is the model, not the cache.
	request := &kilnv1.GenerateRequest{
		Model:  model.Name,
		Prompt: "Convert to uppercase: red fox",
		Params: &kilnv1.SamplingParams{Temperature: proto.Float64(0.8), Seed: proto.Uint64(7), MaxTokens: proto.Uint32(16)},
	}
	first, err := c.Sampling.Generate(ctx, request)
	if err != nil {
		return err
	}
	again := proto.Clone(request).(*kilnv1.GenerateRequest)
	again.BypassCache = true
	second, err := c.Sampling.Generate(ctx, again)
	if err != nil {
		return err
	}
	a, b := first.Completions[0], second.Completions[0]
	fmt.Printf("sample %s: %q; again: %q\n", a.SampleId, a.GetText(), b.GetText())

	streamRequest := proto.Clone(request).(*kilnv1.GenerateRequest)
	streamRequest.Params.Seed = proto.Uint64(8)
	stream, err := c.Sampling.GenerateStream(ctx, streamRequest)
	if err != nil {
		return err
	}
	streamed := ""
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		fmt.Print(chunk.GetText())
		streamed += chunk.GetText()
	}
	fmt.Println()

	feedback, err := c.Feedback.SubmitFeedback(ctx, &kilnv1.SubmitFeedbackRequest{
		Feedback:   &kilnv1.Feedback{SampleId: a.SampleId, Signal: &kilnv1.Feedback_Rating{Rating: &kilnv1.Rating{Value: 4}}},
		FeedbackId: newID(),
	})
	if err != nil {
		return err
	}
	fmt.Printf("feedback %s on %s\n", feedback.Name, feedback.SampleId)

	_, err = c.Sampling.Generate(ctx, &kilnv1.GenerateRequest{
		Model: model.Name, Prompt: "x", Params: &kilnv1.SamplingParams{Temperature: proto.Float64(-1)},
	})
	var kerr *kiln.Error
	if !errors.As(err, &kerr) {
		return fmt.Errorf("expected a *kiln.Error, got %v", err)
	}
	fmt.Printf("rejected as expected:\n%v\n", kerr)

	if path := os.Getenv("KILN_SUMMARY"); path != "" {
		summary, _ := json.Marshal(map[string]interface{}{
			"dataset": dataset.Name, "job": job.Name, "jobState": done.State.String(),
			"model": model.Name, "deploymentState": model.GetDeployment().GetState(),
			"sample": a.SampleId, "texts": []string{a.GetText(), b.GetText()}, "streamed": streamed,
			"feedback": feedback.Name, "feedbackSample": feedback.SampleId,
		})
		if err := os.WriteFile(path, summary, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func newID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
