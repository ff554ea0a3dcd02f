// The whole path from data to a streamed sample of a fine-tuned model, with kiln::Client.
//
//   KILN_TARGET=127.0.0.1:50051 KILN_API_KEY=kiln_... ./build/flow train.jsonl
//
// Uploads a JSONL SFT dataset, fine-tunes kiln-gpt-tiny for a few steps while watching the job,
// deploys the result, samples it twice with a seed (same text both times), streams a sample,
// rates it, and shows what a bad request looks like. With KILN_SUMMARY=path it also writes what
// it made there as JSON (the end-to-end tests read it).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "kiln/client.h"

namespace v1 = kiln::v1;

static std::string NewId() {
  std::random_device rd;
  std::ostringstream out;
  out << std::hex << rd() << rd();
  return out.str();
}

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "train.jsonl";
  const char* steps = std::getenv("KILN_MAX_STEPS");
  try {
    kiln::Client kiln;  // $KILN_TARGET and $KILN_API_KEY

    std::ifstream file(path, std::ios::binary);
    std::stringstream bytes;
    bytes << file.rdbuf();
    // A request id makes each create safe to retry: a repeat returns the first result.
    v1::DatasetMetadata metadata;
    metadata.set_display_name("demo");
    metadata.set_format(v1::DATASET_FORMAT_SFT);
    metadata.set_request_id(NewId());
    v1::Dataset dataset = kiln.UploadDataset(metadata, bytes.str());
    std::cout << "dataset " << dataset.name() << ": " << dataset.num_records() << " records\n";

    v1::CreateJobRequest create;
    v1::Job* job = create.mutable_job();
    job->set_method(v1::JOB_METHOD_SFT);
    job->set_base_model("kiln-gpt-tiny");
    job->set_training_dataset(dataset.name());
    v1::Hyperparameters* hp = job->mutable_hyperparameters();
    hp->set_max_steps(steps ? std::atoi(steps) : 20);
    hp->set_batch_size(4);
    hp->set_max_seq_len(64);
    hp->set_learning_rate(1e-3);
    hp->set_warmup_steps(0);
    hp->set_log_every(1);
    create.set_request_id(NewId());
    v1::Job created = kiln.Call(&v1::JobService::Stub::CreateJob, create);
    std::cout << "job " << created.name() << " created\n";

    v1::WatchJobRequest watch;
    watch.set_name(created.name());
    for (const v1::JobEvent& event : kiln.Stream(&v1::JobService::Stub::WatchJob, watch)) {
      if (event.has_state_change()) std::cout << "  state " << v1::JobState_Name(event.state_change().state()) << "\n";
      if (event.has_metrics() && event.metrics().values().count("loss")) {
        std::cout << "  step " << event.metrics().step() << " loss " << event.metrics().values().at("loss") << "\n";
      }
    }
    v1::GetJobRequest get;
    get.set_name(created.name());
    v1::Job done = kiln.Call(&v1::JobService::Stub::GetJob, get);
    if (done.state() != v1::JOB_STATE_SUCCEEDED) {
      std::cerr << "job ended " << v1::JobState_Name(done.state()) << ": " << done.error() << "\n";
      return 1;
    }

    v1::DeployModelRequest deploy;
    deploy.set_name(done.output_model());
    deploy.set_target(v1::DEPLOYMENT_TARGET_RAY_SERVE);
    v1::Model model = kiln.Call(&v1::ModelService::Stub::DeployModel, deploy);
    std::cout << "model " << model.name() << " " << model.deployment().state() << "\n";

    // A seed makes sampling deterministic; bypass_cache proves it is the model, not the cache.
    v1::GenerateRequest request;
    request.set_model(model.name());
    request.set_prompt("Convert to uppercase: red fox");
    request.mutable_params()->set_temperature(0.8);
    request.mutable_params()->set_seed(7);
    request.mutable_params()->set_max_tokens(16);
    v1::GenerateResponse first = kiln.Call(&v1::SamplingService::Stub::Generate, request);
    v1::GenerateRequest again = request;
    again.set_bypass_cache(true);
    v1::GenerateResponse second = kiln.Call(&v1::SamplingService::Stub::Generate, again);
    const v1::Completion& a = first.completions(0);
    const v1::Completion& b = second.completions(0);
    std::cout << "sample " << a.sample_id() << ": \"" << a.text() << "\"; again: \"" << b.text() << "\"\n";

    v1::GenerateRequest streamed_request = request;
    streamed_request.mutable_params()->set_seed(8);
    std::string streamed;
    for (const v1::GenerateStreamResponse& chunk : kiln.Stream(&v1::SamplingService::Stub::GenerateStream, streamed_request)) {
      std::cout << chunk.text() << std::flush;
      streamed += chunk.text();
    }
    std::cout << "\n";

    v1::SubmitFeedbackRequest rate;
    rate.mutable_feedback()->set_sample_id(a.sample_id());
    rate.mutable_feedback()->mutable_rating()->set_value(4);
    rate.set_feedback_id(NewId());
    v1::Feedback feedback = kiln.Call(&v1::FeedbackService::Stub::SubmitFeedback, rate);
    std::cout << "feedback " << feedback.name() << " on " << feedback.sample_id() << "\n";

    v1::GenerateRequest bad;
    bad.set_model(model.name());
    bad.set_prompt("x");
    bad.mutable_params()->set_temperature(-1);
    try {
      kiln.Call(&v1::SamplingService::Stub::Generate, bad);
      std::cerr << "a negative temperature was accepted\n";
      return 1;
    } catch (const kiln::Error& e) {
      std::cout << "rejected as expected: " << e.what() << "\n";
      for (const auto& v : e.field_violations()) std::cout << "  " << v.field << ": " << v.description << "\n";
    }

    if (const char* summary_path = std::getenv("KILN_SUMMARY")) {
      google::protobuf::Struct summary;
      auto& f = *summary.mutable_fields();
      f["dataset"].set_string_value(dataset.name());
      f["job"].set_string_value(created.name());
      f["jobState"].set_string_value(v1::JobState_Name(done.state()));
      f["model"].set_string_value(model.name());
      f["deploymentState"].set_string_value(model.deployment().state());
      f["sample"].set_string_value(a.sample_id());
      f["texts"].mutable_list_value()->add_values()->set_string_value(a.text());
      f["texts"].mutable_list_value()->add_values()->set_string_value(b.text());
      f["streamed"].set_string_value(streamed);
      f["feedback"].set_string_value(feedback.name());
      f["feedbackSample"].set_string_value(feedback.sample_id());
      std::string json;
      (void)google::protobuf::util::MessageToJsonString(summary, &json);
      std::ofstream(summary_path) << json;
    }
  } catch (const kiln::Error& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
