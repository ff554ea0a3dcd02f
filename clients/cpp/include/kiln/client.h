// A thin synchronous C++ client for the Kiln API over the generated kiln.v1 stubs.
//
//   kiln::Client kiln;  // $KILN_TARGET (default 127.0.0.1:50051) and $KILN_API_KEY
//   kiln::v1::GetJobRequest request;
//   request.set_name("jobs/j-1");
//   kiln::v1::Job job = kiln.Call(&kiln::v1::JobService::Stub::GetJob, request);
//   for (auto& event : kiln.Stream(&kiln::v1::JobService::Stub::WatchJob, watch)) { ... }
//
// Every call carries the API key and a deadline, throws kiln::Error (status code plus the
// decoded google.rpc details) on failure, and is retried on UNAVAILABLE / RESOURCE_EXHAUSTED
// when it is safe to repeat (see Idempotent).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "kiln/v1/datasets.grpc.pb.h"
#include "kiln/v1/evaluation.grpc.pb.h"
#include "kiln/v1/feedback.grpc.pb.h"
#include "kiln/v1/jobs.grpc.pb.h"
#include "kiln/v1/models.grpc.pb.h"
#include "kiln/v1/sampling.grpc.pb.h"

namespace kiln {

using Millis = std::chrono::milliseconds;

inline constexpr const char* kDefaultTarget = "127.0.0.1:50051";

struct FieldViolation {
  std::string field;  // path in the request, e.g. "params.temperature"
  std::string description;
};

// A failed call, with the google.rpc.Status the gateway sent in grpc-status-details-bin decoded.
class Error : public std::runtime_error {
 public:
  explicit Error(const grpc::Status& status);

  grpc::StatusCode code() const { return code_; }
  // The code's name, e.g. "INVALID_ARGUMENT".
  std::string code_name() const;
  const std::string& message() const { return message_; }
  // BadRequest field violations of an INVALID_ARGUMENT, in the server's order.
  const std::vector<FieldViolation>& field_violations() const { return field_violations_; }
  // The resource a NOT_FOUND is about.
  const std::optional<google::rpc::ResourceInfo>& resource_info() const { return resource_info_; }
  // The server's RetryInfo delay (RESOURCE_EXHAUSTED, UNAVAILABLE).
  const std::optional<Millis>& retry_delay() const { return retry_delay_; }
  const std::optional<google::rpc::PreconditionFailure>& precondition_failure() const { return precondition_failure_; }
  const std::optional<google::rpc::QuotaFailure>& quota_failure() const { return quota_failure_; }
  // Every detail as sent, including types this class does not decode.
  const google::rpc::Status& status() const { return status_; }

 private:
  grpc::StatusCode code_;
  std::string message_;
  std::vector<FieldViolation> field_violations_;
  std::optional<google::rpc::ResourceInfo> resource_info_;
  std::optional<Millis> retry_delay_;
  std::optional<google::rpc::PreconditionFailure> precondition_failure_;
  std::optional<google::rpc::QuotaFailure> quota_failure_;
  google::rpc::Status status_;
};

struct RetryPolicy {
  int max_retries = 2;             // attempts after the first; 0 disables retries
  Millis initial_backoff{500};     // without RetryInfo: doubles per retry, up to 20% jitter
  Millis max_delay{30000};         // a longer wait (e.g. a RetryInfo of an hour) is not waited for

  // The wait before retry number `retries` + 1, or nullopt to give up.
  std::optional<Millis> Delay(const Error& error, int retries) const;
};

struct Options {
  std::string target;   // default $KILN_TARGET, else kDefaultTarget
  std::string api_key;  // sent as "authorization: Bearer <key>"; default $KILN_API_KEY
  bool use_env = true;  // false: take target and api_key as given, even when empty
  Millis timeout{30000};  // deadline of a unary call (deploys and exports get more)
  RetryPolicy retry;
  // Default: plaintext (the gateway itself serves no TLS; put TLS in front of it).
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

struct CallOptions {
  std::optional<Millis> timeout;  // this call's deadline per attempt; Millis(0) means none
};

// Whether a call may be sent again: reads (Get*, List*, Watch*), sampling and deploys, and
// creates carrying a non-empty request_id or feedback_id, which the server deduplicates.
// `method` is the RPC's name ("GetJob").
bool Idempotent(const std::string& method, const google::protobuf::Message& request);

// A server stream as an input range; ends at the stream's end, throws kiln::Error on failure.
template <class Response>
class ServerStream {
 public:
  using Open = std::function<std::unique_ptr<grpc::ClientReader<Response>>(grpc::ClientContext*)>;

  ServerStream(Open open, std::function<void(grpc::ClientContext*)> prepare, bool retryable, RetryPolicy policy)
      : open_(std::move(open)), prepare_(std::move(prepare)), retryable_(retryable), policy_(policy) {
    Start();
  }
  ~ServerStream() {
    if (reader_ && !done_) context_->TryCancel();  // a consumer that stops early
  }
  ServerStream(ServerStream&&) = default;

  // The next message into *out; false at the end of the stream.
  bool Next(Response* out);

  class iterator {
   public:
    iterator(ServerStream* stream) : stream_(stream) { ++*this; }
    iterator() = default;
    Response& operator*() { return value_; }
    iterator& operator++() {
      if (stream_ && !stream_->Next(&value_)) stream_ = nullptr;
      return *this;
    }
    bool operator!=(const iterator& other) const { return stream_ != other.stream_; }

   private:
    ServerStream* stream_ = nullptr;
    Response value_;
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  void Start() {
    context_ = std::make_unique<grpc::ClientContext>();
    prepare_(context_.get());
    reader_ = open_(context_.get());
  }

  Open open_;
  std::function<void(grpc::ClientContext*)> prepare_;
  bool retryable_;
  RetryPolicy policy_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<Response>> reader_;
  bool received_ = false;
  bool done_ = false;
  int retries_ = 0;
};

void SleepFor(Millis delay);

template <class Response>
bool ServerStream<Response>::Next(Response* out) {
  while (true) {
    if (reader_->Read(out)) {
      received_ = true;
      return true;
    }
    grpc::Status status = reader_->Finish();
    done_ = true;
    if (status.ok()) return false;
    Error error(status);
    // After the first message a retry would repeat output the caller already has.
    std::optional<Millis> delay = received_ || !retryable_ ? std::nullopt : policy_.Delay(error, retries_);
    if (!delay) throw error;
    SleepFor(*delay);
    ++retries_;
    done_ = false;
    Start();
  }
}

class Client {
 public:
  explicit Client(Options options = {});

  // Any unary RPC of a generated stub: kiln.Call(&kiln::v1::JobService::Stub::GetJob, request).
  template <class Stub, class Request, class Response>
  Response Call(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*), const Request& request,
                CallOptions options = {}) {
    Stub& stub = *std::get<std::unique_ptr<Stub>>(stubs_);
    const std::string name = MethodName(request);
    const bool retryable = Idempotent(name, request);
    for (int retries = 0;; ++retries) {
      grpc::ClientContext context;
      Prepare(&context, name, options, /*stream=*/false);
      Response response;
      grpc::Status status = (stub.*method)(&context, request, &response);
      if (status.ok()) return response;
      Error error(status);
      std::optional<Millis> delay = retryable ? options_.retry.Delay(error, retries) : std::nullopt;
      if (!delay) throw error;
      SleepFor(*delay);
    }
  }

  // Any server-streaming RPC: for (auto& event : kiln.Stream(&JobService::Stub::WatchJob, request)).
  template <class Stub, class Request, class Response>
  ServerStream<Response> Stream(
      std::unique_ptr<grpc::ClientReader<Response>> (Stub::*method)(grpc::ClientContext*, const Request&),
      const Request& request, CallOptions options = {}) {
    Stub* stub = std::get<std::unique_ptr<Stub>>(stubs_).get();
    const std::string name = MethodName(request);
    auto open = [stub, method, request](grpc::ClientContext* context) { return (stub->*method)(context, request); };
    auto prepare = [this, name, options](grpc::ClientContext* context) { Prepare(context, name, options, true); };
    return ServerStream<Response>(open, prepare, Idempotent(name, request), options_.retry);
  }

  // Streams JSONL bytes as a dataset: the metadata, then 1 MiB chunks. Not retried; with
  // metadata.request_id set, calling it again after a failure is safe.
  v1::Dataset UploadDataset(const v1::DatasetMetadata& metadata, const std::string& data, CallOptions options = {});

  template <class Stub>
  Stub& stub() { return *std::get<std::unique_ptr<Stub>>(stubs_); }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  // Sets the key and the deadline on a context, for calls made on stub<...>() directly.
  void Prepare(grpc::ClientContext* context, const std::string& method, const CallOptions& options, bool stream) const;

 private:
  // The RPC's name from its request type: GetJobRequest -> GetJob.
  static std::string MethodName(const google::protobuf::Message& request);

  Options options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::tuple<std::unique_ptr<v1::DatasetService::Stub>, std::unique_ptr<v1::JobService::Stub>,
             std::unique_ptr<v1::ModelService::Stub>, std::unique_ptr<v1::SamplingService::Stub>,
             std::unique_ptr<v1::FeedbackService::Stub>, std::unique_ptr<v1::EvaluationService::Stub>>
      stubs_;
};

}  // namespace kiln
