#include "kiln/client.h"

#include <cstdlib>
#include <map>
#include <random>
#include <thread>

#include "google/rpc/code.pb.h"

namespace kiln {
namespace {

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// RPCs that wait for real work get longer default deadlines than Options::timeout.
const std::map<std::string, Millis>& SlowTimeouts() {
  static const std::map<std::string, Millis> slow = {
      {"DeployModel", Millis(300000)}, {"UndeployModel", Millis(120000)},
      {"ExportModel", Millis(900000)}, {"UploadDataset", Millis(300000)}};
  return slow;
}

std::string Summary(const grpc::Status& status) {
  return google::rpc::Code_Name(static_cast<google::rpc::Code>(status.error_code())) + ": " + status.error_message();
}

}  // namespace

Error::Error(const grpc::Status& status)
    : std::runtime_error(Summary(status)), code_(status.error_code()), message_(status.error_message()) {
  // A status without (or with unreadable) details keeps just its code and message.
  if (status.error_details().empty() || !status_.ParseFromString(status.error_details())) return;
  for (const google::protobuf::Any& any : status_.details()) {
    google::rpc::BadRequest bad_request;
    google::rpc::ResourceInfo resource_info;
    google::rpc::RetryInfo retry_info;
    google::rpc::PreconditionFailure precondition;
    google::rpc::QuotaFailure quota;
    if (any.UnpackTo(&bad_request)) {
      for (const auto& v : bad_request.field_violations()) field_violations_.push_back({v.field(), v.description()});
    } else if (any.UnpackTo(&resource_info)) {
      resource_info_ = resource_info;
    } else if (any.UnpackTo(&retry_info)) {
      const auto& d = retry_info.retry_delay();
      retry_delay_ = Millis(d.seconds() * 1000 + d.nanos() / 1000000);
    } else if (any.UnpackTo(&precondition)) {
      precondition_failure_ = precondition;
    } else if (any.UnpackTo(&quota)) {
      quota_failure_ = quota;
    }
  }
}

std::string Error::code_name() const { return google::rpc::Code_Name(static_cast<google::rpc::Code>(code_)); }

std::optional<Millis> RetryPolicy::Delay(const Error& error, int retries) const {
  if (error.code() != grpc::StatusCode::UNAVAILABLE && error.code() != grpc::StatusCode::RESOURCE_EXHAUSTED) {
    return std::nullopt;
  }
  if (retries >= max_retries) return std::nullopt;
  Millis delay = error.retry_delay().value_or(initial_backoff * (1 << retries));
  if (delay > max_delay) return std::nullopt;
  static thread_local std::mt19937 rng{std::random_device{}()};
  return delay + Millis(static_cast<long>(std::uniform_real_distribution<double>(0, 0.2)(rng) * delay.count()));
}

void SleepFor(Millis delay) { std::this_thread::sleep_for(delay); }

bool Idempotent(const std::string& method, const google::protobuf::Message& request) {
  for (const char* prefix : {"Get", "List", "Watch"}) {
    if (method.rfind(prefix, 0) == 0) return true;
  }
  if (method == "Generate" || method == "DeployModel") return true;
  const auto* descriptor = request.GetDescriptor();
  for (const char* key : {"request_id", "feedback_id"}) {
    const auto* field = descriptor->FindFieldByName(key);
    if (field && field->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
        !request.GetReflection()->GetString(request, field).empty()) {
      return true;
    }
  }
  return false;
}

Client::Client(Options options) : options_(std::move(options)) {
  if (options_.use_env) {
    if (options_.target.empty()) options_.target = Env("KILN_TARGET");
    if (options_.api_key.empty()) options_.api_key = Env("KILN_API_KEY");
  }
  if (options_.target.empty()) options_.target = kDefaultTarget;
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(16 << 20);  // the gateway's limit: large pages are never cut off here
  channel_ = grpc::CreateCustomChannel(
      options_.target, options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials(), args);
  stubs_ = {v1::DatasetService::NewStub(channel_), v1::JobService::NewStub(channel_),
            v1::ModelService::NewStub(channel_),   v1::SamplingService::NewStub(channel_),
            v1::FeedbackService::NewStub(channel_), v1::EvaluationService::NewStub(channel_)};
}

void Client::Prepare(grpc::ClientContext* context, const std::string& method, const CallOptions& options,
                     bool stream) const {
  if (!options_.api_key.empty()) context->AddMetadata("authorization", "Bearer " + options_.api_key);
  Millis timeout = Millis(0);  // streams (WatchJob lasts as long as the job) have no default
  if (options.timeout) {
    timeout = *options.timeout;
  } else if (!stream) {
    auto slow = SlowTimeouts().find(method);
    timeout = slow != SlowTimeouts().end() ? slow->second : options_.timeout;
  }
  if (timeout > Millis(0)) context->set_deadline(std::chrono::system_clock::now() + timeout);
}

std::string Client::MethodName(const google::protobuf::Message& request) {
  std::string name = request.GetDescriptor()->name();
  const std::string suffix = "Request";
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    name.resize(name.size() - suffix.size());
  }
  return name;
}

v1::Dataset Client::UploadDataset(const v1::DatasetMetadata& metadata, const std::string& data,
                                  CallOptions options) {
  grpc::ClientContext context;
  Prepare(&context, "UploadDataset", options, false);
  v1::Dataset dataset;
  auto writer = stub<v1::DatasetService::Stub>().UploadDataset(&context, &dataset);
  v1::UploadDatasetRequest request;
  *request.mutable_metadata() = metadata;
  bool open = writer->Write(request);
  const size_t chunk = 1 << 20;
  for (size_t at = 0; open && at < data.size(); at += chunk) {
    request.set_chunk(data.substr(at, chunk));
    open = writer->Write(request);
  }
  // A failed Write means the server ended the call; Finish says why.
  writer->WritesDone();
  grpc::Status status = writer->Finish();
  if (!status.ok()) throw Error(status);
  return dataset;
}

}  // namespace kiln
