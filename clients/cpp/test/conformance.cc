// Runs the shared scenarios (tests/e2e/clients/scenarios.json, resolved by the test driver)
// through kiln::Client and prints what it observed, one JSON object per line.
// Environment: KILN_SCENARIOS, KILN_TARGET, KILN_API_KEY, KILN_OTHER_API_KEY, KILN_FAULT_TARGET.
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include "kiln/client.h"

namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;
namespace v1 = kiln::v1;

using Invoke = std::function<void(kiln::Client&, const std::string&, kiln::CallOptions)>;

// Parses the proto3 JSON request into the RPC's request type and calls it through the wrapper.
template <class Stub, class Request, class Response>
Invoke Rpc(grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*)) {
  return [method](kiln::Client& client, const std::string& json, kiln::CallOptions options) {
    Request request;
    if (!JsonStringToMessage(json, &request).ok()) throw std::runtime_error("bad request JSON: " + json);
    client.Call(method, request, options);
  };
}

const std::map<std::string, Invoke>& Rpcs() {
  static const std::map<std::string, Invoke> rpcs = {
      {"kiln.v1.DatasetService/GetDataset", Rpc(&v1::DatasetService::Stub::GetDataset)},
      {"kiln.v1.DatasetService/ListDatasets", Rpc(&v1::DatasetService::Stub::ListDatasets)},
      {"kiln.v1.DatasetService/DeleteDataset", Rpc(&v1::DatasetService::Stub::DeleteDataset)},
      {"kiln.v1.SamplingService/Generate", Rpc(&v1::SamplingService::Stub::Generate)},
      {"kiln.v1.EvaluationService/CreateEvaluation", Rpc(&v1::EvaluationService::Stub::CreateEvaluation)},
      {"kiln.v1.EvaluationService/GetEvaluation", Rpc(&v1::EvaluationService::Stub::GetEvaluation)},
      {"kiln.v1.EvaluationService/ListEvaluations", Rpc(&v1::EvaluationService::Stub::ListEvaluations)},
      {"kiln.v1.FeedbackService/SubmitFeedback", Rpc(&v1::FeedbackService::Stub::SubmitFeedback)},
      {"kiln.v1.FeedbackService/ListFeedback", Rpc(&v1::FeedbackService::Stub::ListFeedback)},
      {"kiln.v1.FeedbackService/ExportFeedback", Rpc(&v1::FeedbackService::Stub::ExportFeedback)},
      {"kiln.v1.JobService/CreateJob", Rpc(&v1::JobService::Stub::CreateJob)},
      {"kiln.v1.JobService/GetJob", Rpc(&v1::JobService::Stub::GetJob)},
      {"kiln.v1.JobService/ListJobs", Rpc(&v1::JobService::Stub::ListJobs)},
      {"kiln.v1.JobService/CancelJob", Rpc(&v1::JobService::Stub::CancelJob)},
      {"kiln.v1.JobService/ListCheckpoints", Rpc(&v1::JobService::Stub::ListCheckpoints)},
      {"kiln.v1.ModelService/GetModel", Rpc(&v1::ModelService::Stub::GetModel)},
      {"kiln.v1.ModelService/ListModels", Rpc(&v1::ModelService::Stub::ListModels)},
      {"kiln.v1.ModelService/DeleteModel", Rpc(&v1::ModelService::Stub::DeleteModel)},
      {"kiln.v1.ModelService/ExportModel", Rpc(&v1::ModelService::Stub::ExportModel)},
      {"kiln.v1.ModelService/DeployModel", Rpc(&v1::ModelService::Stub::DeployModel)},
      {"kiln.v1.ModelService/UndeployModel", Rpc(&v1::ModelService::Stub::UndeployModel)},
  };
  return rpcs;
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string Field(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  return it == s.fields().end() ? "" : it->second.string_value();
}

}  // namespace

int main() {
  std::ifstream in(Env("KILN_SCENARIOS"));
  std::stringstream text;
  text << in.rdbuf();
  Struct file;
  if (!JsonStringToMessage(text.str(), &file).ok()) {
    std::cerr << "cannot parse " << Env("KILN_SCENARIOS") << "\n";
    return 1;
  }
  const std::map<std::string, std::string> keys = {
      {"default", Env("KILN_API_KEY")}, {"other", Env("KILN_OTHER_API_KEY")}, {"anonymous", ""}};
  const std::map<std::string, std::string> targets = {{"gateway", Env("KILN_TARGET")},
                                                      {"fault", Env("KILN_FAULT_TARGET")}};
  std::map<std::string, std::unique_ptr<kiln::Client>> clients;
  for (const Value& item : file.fields().at("scenarios").list_value().values()) {
    const Struct& s = item.struct_value();
    const std::string as = Field(s, "as"), target = Field(s, "target");
    auto& client = clients[as + "@" + target];
    if (!client) {
      kiln::Options options;
      options.use_env = false;  // "anonymous" must send no key at all
      options.target = targets.at(target);
      options.api_key = keys.at(as);
      client = std::make_unique<kiln::Client>(options);
    }
    kiln::CallOptions call;
    if (s.fields().count("timeoutMs")) call.timeout = kiln::Millis(static_cast<long>(s.fields().at("timeoutMs").number_value()));
    std::string request;
    (void)MessageToJsonString(s.fields().at("request"), &request);
    const std::string rpc = Field(s, "service") + "/" + Field(s, "method");
    if (!Rpcs().count(rpc)) {
      std::cerr << "no entry for " << rpc << " in Rpcs()\n";
      return 1;
    }
    Struct observed;
    (*observed.mutable_fields())["name"].set_string_value(Field(s, "name"));
    try {
      Rpcs().at(rpc)(*client, request, call);
      (*observed.mutable_fields())["code"].set_string_value("OK");
    } catch (const kiln::Error& e) {
      auto& f = *observed.mutable_fields();
      f["code"].set_string_value(e.code_name());
      f["message"].set_string_value(e.message());
      auto* fields = f["fieldViolations"].mutable_list_value();
      for (const auto& v : e.field_violations()) fields->add_values()->set_string_value(v.field);
      if (e.resource_info()) {
        auto& info = *f["resourceInfo"].mutable_struct_value()->mutable_fields();
        info["resourceType"].set_string_value(e.resource_info()->resource_type());
        info["resourceName"].set_string_value(e.resource_info()->resource_name());
      }
      if (e.retry_delay()) f["retryDelayMs"].set_number_value(static_cast<double>(e.retry_delay()->count()));
    }
    std::string line;
    (void)MessageToJsonString(observed, &line);
    std::cout << line << std::endl;
  }
  return 0;
}
